"""Worker processes started by the demo, the bench and the tests: wait for them to join their
consumer group, stop them (process group, then SIGKILL)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time

from streams.config import Settings
from streams.errors import WorkerError
from streams.kafka.topics import admin_client


def stop_processes(
    procs: list[subprocess.Popen[bytes]], sig: int = signal.SIGTERM, timeout: float = 30.0
) -> None:
    """Signal each worker's process group (workers run in a session of their own), wait, and
    SIGKILL whatever is still there after ``timeout``."""
    for p in procs:
        if p.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, sig)
    for p in procs:
        try:
            p.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGKILL)
            p.wait()


def wait_for_worker(
    s: Settings,
    *workers: subprocess.Popen[bytes],
    timeout: float = 90,
    poll: float = 0.5,
    settle: float = 2.0,
) -> float:
    """Until the workers' consumer group is stable with one member per worker and partitions
    assigned, then ``settle`` seconds more for recovery. Returns the last moment (wall clock, s)
    the group had no member: nothing can have been processed before it, so a benchmark starts
    its clock there (with ``settle=0`` and a short ``poll``)."""
    admin = admin_client(s)
    deadline, empty_at = time.monotonic() + timeout, time.time()
    try:
        while time.monotonic() < deadline:
            for worker in workers:
                if worker.poll() is not None:
                    raise WorkerError(f"a worker exited with code {worker.returncode}; see its log")
            before = time.time()
            try:
                g = admin.describe_groups([s.app_id]).get(s.app_id) or {}
            except Exception:  # no group coordinator yet (a fresh broker): nobody has joined
                g = {}
            members = g.get("members") or ()
            if not members:
                empty_at = before
            elif g.get("group_state", g.get("state")) == "Stable" and len(members) == len(workers):
                time.sleep(settle)  # the assignment is in; give recovery a moment
                return empty_at
            time.sleep(poll)
    finally:
        admin.close()
    raise WorkerError(f"the worker did not join its consumer group within {timeout:.0f}s")
