"""`fiulink demo` end to end, small: it finds the planted hits, and with --keep-running its
"next steps" are commands that work as printed (tail, explain, consent list), then the broker
stops with `fiulink broker stop`."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from streams.kafka.broker import free_port

pytestmark = pytest.mark.kafka
FIULINK = [sys.executable, "-m", "streams"]


def test_demo_ends_with_next_steps_that_work(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "FIULINK_HOME": str(tmp_path / "home"),
        "FIULINK_BOOTSTRAP": f"127.0.0.1:{free_port()}",
    }
    env.pop("FIULINK_TOKEN_KEY", None)
    env.pop("FIULINK_TOPIC_PREFIX", None)
    try:
        done = subprocess.run([*FIULINK, "demo", "--reports", "240", "--fius", "3", "--rate", "2000", "--keep-running"],
                              env=env, capture_output=True, text=True, timeout=400)  # fmt: skip
        assert done.returncode == 0, done.stderr[-3000:]
        summary = json.loads(done.stdout.strip().splitlines()[-1])
        assert summary["recall"] == 1.0, done.stderr[-3000:]
        fuzzy = summary["fuzzy"]  # entity links on: the planted variants found, apart from the exact links
        assert fuzzy["fuzzy_planted"] >= 20
        assert fuzzy["fuzzy_hits"]["recall"] >= 0.9 and fuzzy["fuzzy_hits"]["precision"] >= 0.9, fuzzy
        err = done.stderr
        assert "fuzzy links, hits" in err and "fuzzy entity links on" in err
        assert "next steps" in err and "still up" in err
        exports = next(line for line in err.splitlines() if line.strip().startswith("export "))
        step_env = dict(env)
        for pair in shlex.split(exports.strip())[1:]:
            name, _, value = pair.partition("=")
            step_env[name] = value
        step_env["FIULINK_TOKEN_KEY"] = "unused-by-these-commands-0123"
        fiu = re.search(r"fiulink tail notifications --fiu (\w\w)", err)
        assert fiu, err
        tail = subprocess.run([*FIULINK, "tail", "notifications", "--fiu", fiu[1], "--from-beginning", "--idle-timeout", "5"],
                              env=step_env, capture_output=True, text=True, timeout=120)  # fmt: skip
        notes = [json.loads(line) for line in tail.stdout.splitlines()]
        hits = [n for n in notes if n["type"] == "hit"]
        assert hits, tail.stderr
        why = subprocess.run([*FIULINK, "explain", hits[0]["match_id"], "--fiu", fiu[1]],
                             env=step_env, capture_output=True, text=True, timeout=120)  # fmt: skip
        assert why.returncode == 0, why.stderr
        assert "matched fields" in why.stdout and hits[0]["recipient_report_id"] in why.stdout
        status = subprocess.run([*FIULINK, "status", "--format", "json"], env=step_env, capture_output=True,
                                text=True, timeout=120)  # fmt: skip
        assert status.returncode == 0, status.stderr
        st = json.loads(status.stdout)
        assert st["broker_up"] and len(st["fius"]) == 3 and st["group"].startswith("fiulink-demo-")
        assert st["partitions"]["ingest"] > 0 and st["lag"]["ingest"] == 0, st  # the demo waited for it all
        listed = subprocess.run([*FIULINK, "consent", "list", "--fiu", fiu[1]], env=step_env, capture_output=True,
                                text=True, timeout=120)  # fmt: skip
        assert listed.returncode == 0, listed.stderr
    finally:
        subprocess.run([*FIULINK, "broker", "stop"], env=env, capture_output=True, text=True, timeout=120)
    status = subprocess.run(
        [*FIULINK, "broker", "status"], env=env, capture_output=True, text=True, timeout=60
    )
    assert "not running" in (status.stdout + status.stderr)
