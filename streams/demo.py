"""``fiulink demo``: the whole hub on the embedded broker, ending with a summary.

broker -> topics -> worker -> a generated feed published at a steady rate -> summary: reports
processed, exact and fuzzy entity links against the truth (precision, recall each), notifications per FIU, publish-to-
notification latency p50/p99, dead letters. Each run uses its own topic prefix and app id.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
from collections import Counter
from typing import Any

from streams.config import Settings
from streams.generate import generate
from streams.kafka.broker import EmbeddedBroker, free_port
from streams.kafka.topics import create_topics
from streams.processes import stop_processes, wait_for_worker
from streams.publish import Publisher
from streams.tail import read_all
from streams.truth_score import FUZZY_KINDS, score_links


def say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))]


def run_demo(
    base: Settings, n_reports: int = 3000, n_fius: int = 4, rate: float = 200.0, keep: bool = False
) -> dict[str, Any]:
    stamp = time.strftime("%Y%m%d%H%M%S")
    key = base.token_key
    if not key:
        key = secrets.token_hex(32).encode()
        say("demo: FIULINK_TOKEN_KEY is not set, so a random demo key was made (not for production)")
    s = base.with_overrides(token_key=key, topic_prefix=f"demo{stamp}.", app_id=f"fiulink-demo-{stamp}")
    broker = EmbeddedBroker(s)
    started_broker = broker.info() is None
    if started_broker:
        port = s.port
        try:
            info = broker.start(port=port)
        except Exception:
            port = free_port()
            say(f"demo: port {s.port} is busy, using {port}")
            info = broker.start(port=port)
    else:
        info = broker.info()  # type: ignore[assignment]
    assert info is not None
    s = s.with_overrides(bootstrap=info.bootstrap)
    say(f"1/5 broker: Apache Kafka (KRaft) on {info.bootstrap}, data under {s.home / 'broker'}")
    out = s.home / "demo" / stamp
    truth = generate(n_fius, n_reports, 42, out)
    say(f"2/5 feed: {truth['reports']} synthetic reports from {', '.join(truth['fius'])}; demo policy {out / 'policy.toml'} "
        f"(all pairs auto except {truth['fius'][-2]}-{truth['fius'][-1]}, which has no agreement)")  # fmt: skip
    from streams.core.policy import SharingPolicy

    policy = SharingPolicy.load(out / "policy.toml")
    create_topics(s, policy.fius)
    from streams.sanctions_load import load, write_demo_list  # one listed wallet: a sanctions hit

    demo_list = write_demo_list(sorted(out.glob("feed-??.jsonl")), out / "sanctions-demo.csv")
    if demo_list is not None:
        say(
            f"    sanctions list: {load(s, demo_list, 'demo-sanctions')[1].summary('demo-sanctions')} ({demo_list})"
        )
    env = {**os.environ, "FIULINK_BOOTSTRAP": s.bootstrap, "FIULINK_HOME": str(s.home), "FIULINK_TOKEN_KEY": key.decode(),
           "FIULINK_TOPIC_PREFIX": s.topic_prefix, "FIULINK_APP_ID": s.app_id}  # fmt: skip
    log = open(out / "worker.log", "wb")  # noqa: SIM115 - owned by the worker process
    worker = subprocess.Popen([sys.executable, "-m", "streams", "worker", "--policy", str(out / "policy.toml"),
                               "--service-wallets", str(out / "service-wallets.txt"), "--entity-links"], env=env, stdout=log,
                              stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
    say(f"3/5 worker: pid {worker.pid}, app {s.app_id}, fuzzy entity links on, log {out / 'worker.log'}")
    try:
        merged = out / "feed-all.jsonl"
        lines = [
            p.read_text(encoding="utf-8").splitlines(keepends=True) for p in sorted(out.glob("feed-??.jsonl"))
        ]
        merged.write_text("".join(x for group in interleave(lines) for x in group), encoding="utf-8")
        wait_for_worker(s, worker)
        say(f"4/5 publishing at {rate:,.0f} reports/s")
        stats = Publisher(s, rate=rate, progress_every=5.0).publish([merged])
        say(f"    {stats.published} published in {stats.seconds:.1f}s; waiting for the worker to catch up")
        summary = _wait_and_summarise(s, truth, policy.fius)
        from streams.ui.demo import prepare  # the analyst's workbench: a consent flow, a snapshot, logins

        workbench = prepare(s, policy.fius)
    finally:
        stop_processes([worker])
        if started_broker and not keep:
            broker.stop()
            say("demo: broker stopped (run with --keep-running to leave it up)")
    _print_summary(summary)
    _print_next_steps(s, policy.fius, kept=keep or not started_broker)
    for line in workbench:
        say(line)
    return summary


def _print_next_steps(s: Settings, fius: tuple[str, ...], kept: bool) -> None:
    """How to look at what the demo made: the exact environment and commands."""
    say("next steps")
    if not kept:
        say(
            "    the broker was stopped: run `make demo KEEP=1` (or `fiulink demo --keep-running`) to keep it"
        )
        say("    and the demo's topics, then look around with the commands below")
        return
    fiu = fius[0]
    say("    the broker and the demo's topics are still up; in another shell:")
    say(
        f"    export FIULINK_HOME={s.home} FIULINK_BOOTSTRAP={s.bootstrap} FIULINK_TOPIC_PREFIX={s.topic_prefix} "
        f"FIULINK_APP_ID={s.app_id}"
    )
    say(
        "    fiulink status                              # broker, how far behind the worker group is, snapshot age"
    )
    say(
        f"    fiulink tail notifications --fiu {fiu} --from-beginning --idle-timeout 5   # what {fiu}'s case system gets"
    )
    say(f"    fiulink explain MATCH_ID --fiu {fiu}       # why {fiu} was told (a match_id from the tail)")
    say(f"    fiulink consent list --fiu {fiu}           # consent requests waiting for {fiu}")
    say('    fiulink snapshot --once && fiulink query "SELECT * FROM exchange_matrix"   # the analysts\' SQL')
    say("    fiulink broker stop                         # when done")


def interleave(groups: list[list[str]]) -> list[list[str]]:
    n = max(map(len, groups))
    return [[g[i] for g in groups if i < len(g)] for i in range(n)]


def _wait_and_summarise(
    s: Settings, truth: dict[str, Any], fius: tuple[str, ...], timeout: float = 90
) -> dict[str, Any]:
    topics = s.topics
    must = {
        (h["recipient_fiu"], h["recipient_report_id"], h["counterpart_report_id"])
        for h in truth["must_notify"]
    }
    deadline = time.monotonic() + timeout
    before = -1
    while True:
        notes = read_all(s, [topics.notification(f) for f in fius])
        sc = score_links(truth, (r for _, _, r in notes))
        found = sc["exact"]["true"]
        sanctioned = any(r["type"] == "sanctions_hit" for _, _, r in notes)
        fuzzy = sc["fuzzy_hits_and_possible"]["true"]
        say(f"    {len(notes)} notifications so far, {found}/{len(must)} planted exact hits and "
            f"{fuzzy}/{sc['fuzzy_planted']} planted fuzzy links found")  # fmt: skip
        settled = len(notes) == before  # fuzzy links are not all found: wait until nothing new comes
        if (found == len(must) and sanctioned and settled) or time.monotonic() > deadline:
            break
        before = len(notes)
        time.sleep(3)
    unique = {r["notification_id"]: (ts, r) for _, ts, r in notes}
    latencies = [(ts - r["source_ts"]) / 1000 for ts, r in unique.values() if r.get("source_ts")]
    dead = read_all(s, [topics.dead_letter], idle=1.0)
    sightings = read_all(s, [topics.sightings], idle=1.0)
    processed = len({(r["fiu"], r["report_id"]) for _, _, batch in sightings for r in batch["reports"]})
    hot_tokens = {r["token"] for _, r in unique.values() if r["type"] == "hot_identifier"}
    exact = {
        (r["recipient_fiu"], r["recipient_report_id"], r["counterpart_report_id"])
        for _, r in unique.values()
        if r["type"] == "hit" and r["match_kind"] not in FUZZY_KINDS
    }
    pre_hot = len({(r["recipient_fiu"], r["recipient_report_id"], r["counterpart_report_id"])
                   for _, r in unique.values() if r["type"] == "hit" and r["token"] in hot_tokens})  # fmt: skip
    tp = len(must & exact)
    return {
        "reports": truth["reports"],
        "reports_processed": processed + sum(1 for _, _, d in dead if d["stage"] == "ingest"),
        "notifications": len(unique),
        "per_fiu": dict(
            sorted(Counter(f"{r['recipient_fiu']} {r['type']}" for _, r in unique.values()).items())
        ),
        "planted_hits": len(must),
        "recall": tp / len(must) if must else 1.0,  # exact links (wallets, documents, ..., name_dob)
        "precision": tp / len(exact) if exact else 1.0,
        "precision_excluding_pre_hot": tp / (len(exact) - pre_hot) if len(exact) > pre_hot else 1.0,
        "hits_before_tokens_turned_hot": pre_hot,
        "fuzzy": {
            k: sc[k]
            for k in (
                "fuzzy_planted",
                "fuzzy_hits",
                "fuzzy_hits_and_possible",
                "fuzzy_missed_by_variant",
                "hard_negatives_linked",
            )
        },  # fmt: skip
        "sanctions_hits": sorted(
            f"{r['recipient_fiu']} {r['recipient_report_id']}: {r['watchlist']} {r['listing_ref']}"
            for _, r in unique.values()
            if r["type"] == "sanctions_hit"
        ),
        "latency_p50_s": percentile(latencies, 0.50),
        "latency_p99_s": percentile(latencies, 0.99),
        "dead_letters": dict(
            Counter(f"{d['stage']}: {d['reason'].split(':')[-1].strip()[:40]}" for _, _, d in dead)
        ),
    }


def _print_summary(sm: dict[str, Any]) -> None:
    say("5/5 summary")
    say(f"    reports processed      {sm['reports_processed']} of {sm['reports']}")
    say(f"    exact links            {sm['recall']:.1%} recall; precision {sm['precision']:.1%} "
        f"({sm['precision_excluding_pre_hot']:.1%} without the {sm['hits_before_tokens_turned_hot']} hits made before a token turned hot)")  # fmt: skip
    if sm["hits_before_tokens_turned_hot"]:
        say("    (a shared exchange wallet links every report holding it until it is seen too often and turns "
            "hot; the hits made before that are real shared identifiers, not planted links, and cannot be "
            "taken back: a smaller hot threshold makes fewer of them)")  # fmt: skip
    fz = sm["fuzzy"]
    for label, k in (("hits", "fuzzy_hits"), ("hits + possible", "fuzzy_hits_and_possible")):
        say(f"    fuzzy links, {label:<15} {fz[k]['recall']:.1%} recall; precision {fz[k]['precision']:.1%} "
            f"({fz[k]['true']} of {fz['fuzzy_planted']} planted found, {fz[k]['false']} not planted)")  # fmt: skip
    missed = ", ".join(f"{k}: {v}" for k, v in fz["fuzzy_missed_by_variant"].items()) or "none"
    linked = ", ".join(f"{k}: {v}" for k, v in fz["hard_negatives_linked"].items()) or "none"
    say(f"    fuzzy links missed     {missed}; hard negatives linked: {linked}")
    say(
        f"    latency publish->note  p50 {sm['latency_p50_s'] * 1000:.0f} ms, p99 {sm['latency_p99_s'] * 1000:.0f} ms"
    )
    say("    notifications per FIU  " + ", ".join(f"{k}: {v}" for k, v in sm["per_fiu"].items()))
    say("    sanctions hits         " + (", ".join(sm["sanctions_hits"]) or "none"))
    say(
        "    dead letters           "
        + (", ".join(f"{k}: {v}" for k, v in sm["dead_letters"].items()) or "none")
    )
    print(json.dumps(sm))
