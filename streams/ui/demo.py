"""The workbench's part of ``fiulink demo``: a consent flow, a snapshot and demo logins.

Called while the demo's broker and worker still run. Two pairs of reports whose handling says
``consent`` (so each side's hit waits for the other's grant, whatever the pair's agreement) share a
fresh wallet; the first FIU grants one of them through ``streams.consent.answer`` (the path of
``fiulink consent`` and of the page), the other stays open. Then one snapshot is published and a
login made for the first FIU and for an operator. Returns the lines to print.
"""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

from streams.config import Settings
from streams.errors import FiulinkError


def _report(report_id: str, fiu: str, wallet: str) -> dict[str, Any]:
    return {"report_id": report_id, "fiu": fiu, "submitted_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "typologies": ["ransomware"], "handling": {"sharing": "consent", "restrictions": ["no-onward-dissemination"]},
            "subjects": [{"subject_id": "s1", "kind": "organization", "wallets": [{"chain": "eth", "address": wallet}]}]}  # fmt: skip


def prepare(s: Settings, fius: tuple[str, ...], *, timeout: float = 60.0) -> list[str]:
    from streams.consent import answer
    from streams.demo import read_all
    from streams.publish import Publisher
    from streams.snapshot.runner import Snapshotter
    from streams.ui.users import UserStore, users_path

    a, b = fius[0], fius[1]
    out = s.home / "demo" / f"workbench-{s.topic_prefix.strip('.')}.jsonl"
    pairs = [(f"{a}-CONSENT-{i}", f"{b}-CONSENT-{i}", "0x" + secrets.token_hex(20)) for i in (1, 2)]
    out.write_text(
        "".join(json.dumps(r) + "\n" for ra, rb, w in pairs for r in (_report(ra, a, w), _report(rb, b, w)))
    )
    Publisher(s, progress_every=60.0).publish([out])
    topics = [s.topics.notification(f) for f in (a, b)]
    deadline = time.monotonic() + timeout
    while True:
        asked = {r["recipient_report_id"]: r for _, _, r in read_all(s, topics, idle=1.0)
                 if r["type"] == "consent_request" and r["recipient_report_id"] in {p[0] for p in pairs}}  # fmt: skip
        if len(asked) == len(pairs) or time.monotonic() > deadline:
            break
    if pairs[0][0] not in asked:
        raise FiulinkError(
            f"the demo's consent requests did not arrive within {timeout:.0f}s; see the worker log"
        )
    match_id = asked[pairs[0][0]]["match_id"]
    answer(s, a, match_id, grant=True, reason="demo: shared with the workbench")
    while time.monotonic() < deadline:  # the worker releases the held hit to the other FIU
        notes = read_all(s, [s.topics.notification(b)], idle=1.0)
        if any(r["type"] == "hit" and r["match_id"] == match_id for _, _, r in notes):
            break
    Snapshotter(s).run(once=True)
    store = UserStore(users_path(s))
    user, ops = f"demo-{a.lower()}", "demo-operator"
    return [
        f"workbench: {a} granted consent on match {match_id} (hit released to {b}); one more request waits",
        f"    start it:  FIULINK_HOME={s.home} fiulink ui   (or `make ui`), then open http://127.0.0.1:8080/",
        f"    log in as  {user} / {store.add(user, fiu=a)}   (the hub overview: {ops} / {store.add(ops, fiu=None)})",
    ]
