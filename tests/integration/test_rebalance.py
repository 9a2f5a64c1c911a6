"""Rebalance: while a generated feed flows, a second worker joins the consumer group, then the
first one leaves, so the second must recover every table partition from the changelog topics.
The final notifications equal what the same feed gives in replay mode."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import threading
import time
from collections import Counter
from itertools import chain, zip_longest
from pathlib import Path
from typing import Any

from streams.core.correlate import CorrelationRules
from streams.core.policy import SharingPolicy
from streams.kafka.topics import admin_client
from streams.publish import Publisher
from streams.replay import read_feed, replay
from streams.testing import FIULINK, Hub, notification_ids

PHASES = 3  # A alone, A and B, B alone
RATE = 25.0  # reports/s: each phase flows for a few seconds


def _wait_for_members(hub: Hub, n: int, timeout: float = 60.0) -> None:
    """Until the hub's consumer group is Stable with ``n`` members (one per worker)."""
    from kafka.errors import KafkaError

    logging.getLogger("kafka.admin").setLevel(logging.ERROR)  # it cannot decode Faust's member metadata
    admin = admin_client(hub.settings)
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                group = admin.describe_groups([hub.settings.app_id])[hub.settings.app_id]
            except KafkaError:  # no coordinator yet: the group does not exist so far
                group = {"group_state": "", "members": []}
            if group["group_state"] == "Stable" and len(group["members"]) == n:
                return
            assert time.monotonic() < deadline, (
                f"the group never settled at {n} member(s): {group['group_state']!r} with "
                f"{len(group['members'])}\n{hub.worker_logs()}"
            )
            time.sleep(0.5)
    finally:
        admin.close()


def _second_worker(hub: Hub, policy: Path, home: Path) -> subprocess.Popen[bytes]:
    """Same consumer group (app id), topics and key, but its own FIULINK_HOME, so its own RocksDB
    directory: what a second machine would have."""
    home.mkdir()
    log = open(hub.home / "worker-b.log", "ab")  # noqa: SIM115 - owned by the child; in hub.worker_logs()
    env = {**hub.env, "FIULINK_HOME": str(home)}
    p = subprocess.Popen([*FIULINK, "worker", "--policy", str(policy)], env=env, stdout=log,
                         stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
    hub.workers.append(p)  # stopped by the fixture whatever happens
    return p


def _phase_files(files: list[Path], out: Path) -> list[Path]:
    """The feed interleaved across FIUs and cut into PHASES files, in order."""
    per_fiu = [[line for line in f.read_text().splitlines() if line.strip()] for f in files]
    lines = [line for line in chain.from_iterable(zip_longest(*per_fiu)) if line]
    size = -(-len(lines) // PHASES)
    paths = []
    for i in range(PHASES):
        paths.append(out / f"phase-{i}.jsonl")
        paths[-1].write_text("".join(line + "\n" for line in lines[i * size : (i + 1) * size]))
    return paths


def test_second_worker_joins_then_first_leaves_and_nothing_is_lost(hub: Hub, tmp_path: Path) -> None:
    feed = tmp_path / "feed"
    hub.cli("generate", "--fius", "4", "--reports", "700", "--seed", "41", "--out", str(feed), check=True)
    policy = feed / "policy.toml"
    hub.cli("topics", "create", "--policy", str(policy), check=True)
    files = sorted(feed.glob("feed-??.jsonl"))
    expected = replay(read_feed(files), hub.key.encode(), SharingPolicy.load(policy), CorrelationRules())
    hot = {n["token"] for n in expected["notifications"] if n["type"] == "hot_identifier"}
    want = notification_ids(expected["notifications"], hot)
    assert len(want) > 100
    phases = _phase_files(files, tmp_path)
    # links whose later report arrives after B joined / after A left: only right if B's tables
    # hold what A wrote, recovered from the changelog topics
    phase_of = {
        json.loads(line)["report_id"]: i for i, p in enumerate(phases) for line in p.read_text().splitlines()
    }
    across = Counter(
        max(phase_of[n["recipient_report_id"]], phase_of[n["counterpart_report_id"]])
        for n in expected["notifications"]
        if n["type"] == "hit" and n["token"] not in hot
        and phase_of[n["recipient_report_id"]] != phase_of[n["counterpart_report_id"]]
    )  # fmt: skip
    assert across[1] >= 10 and across[2] >= 10, across

    gates = [threading.Event() for _ in phases]
    published = [0] * PHASES
    errors: list[BaseException] = []

    def publish() -> None:
        try:
            for i, (gate, path) in enumerate(zip(gates, phases, strict=True)):
                gate.wait(180)
                published[i] = (
                    Publisher(hub.settings, rate=RATE, progress_every=1e9).publish([path]).published
                )
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    first = hub.start_worker(policy)
    _wait_for_members(hub, 1)
    publisher = threading.Thread(target=publish)
    publisher.start()
    gates[0].set()  # phase 0: A alone
    time.sleep(3)
    second = _second_worker(hub, policy, tmp_path / "home-b")  # joins while phase 0 flows
    _wait_for_members(hub, 2)
    gates[1].set()  # phase 1: A and B share the partitions
    time.sleep(3)
    os.killpg(first.pid, signal.SIGTERM)  # A leaves while phase 1 flows
    assert first.wait(60) is not None
    hub.workers.remove(first)
    _wait_for_members(hub, 1)
    gates[2].set()  # phase 2: B alone, on every partition, its tables recovered from the changelogs
    publisher.join(180)
    assert not errors, errors
    assert sum(published) == 700

    topics = [
        hub.settings.topics.notification(f) for f in json.loads((feed / "truth.json").read_text())["fius"]
    ]
    notes = hub.read(topics, until=lambda r: want <= notification_ids(r, hot), timeout=90, idle=3)
    assert second.poll() is None, f"the second worker stopped\n{hub.worker_logs()}"
    got = notification_ids(notes, hot)
    logs = hub.worker_logs()
    assert got == want, f"missing {len(want - got)}, extra {len(got - want)}\n{logs[-5000:]}"
    by_id: dict[str, dict[str, Any]] = {}
    for n in notes:  # a repeat of an id (at-least-once) is the same notification
        core = {k: v for k, v in n.items() if k != "created_at"}
        assert by_id.setdefault(n["notification_id"], core) == core
    print(f"\nrebalance: {len(want)} notifications, {across[1]} hits linking across the join and {across[2]} "
          f"across the leave, {len(notes) - len(by_id)} repeated ids (at-least-once)")  # fmt: skip
