"""End-to-end throughput and latency on the embedded broker, with a raw-Kafka baseline.

* backfill: N reports already on the feeds; start a worker; reports/s from the last moment its
  consumer group had no member (nothing can have been processed before) to the broker's
  timestamp (``LogAppendTime``) of the last record it wrote, read once the group has no lag left
  on any source topic (feeds, sightings, matches/consents). Record timestamps, not the lag poll,
  end the clock: offsets are committed once a second, so the lag alone would add up to a second.
* baseline: the same messages through a no-logic Faust agent (consume feed -> produce bytes to
  another topic) on the same client stack, measured the same way.
* latency: a worker already running; publish at a fixed offered rate; publish-to-notification
  latency from each notification's Kafka timestamp minus its report's (source_ts).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from streams.config import Settings
from streams.demo import interleave, percentile
from streams.kafka.topics import admin_client, create_topics
from streams.processes import stop_processes, wait_for_worker
from streams.tail import read_all

ROOT = Path(__file__).resolve().parent.parent
IDLE_SETTLE_S, IDLE_S = 5.0, 10.0  # latency run: the worker's idle CPU over IDLE_S before publishing


def rss_mb(pid: int) -> float:
    """Resident memory of a process, MB (0 once it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def cpu_s(pid: int) -> float:
    """CPU time (user + system) a process has used so far, seconds (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


class RssSampler:
    """RSS of some processes over time: (seconds since start, total MB)."""

    def __init__(self, pids: list[int]) -> None:
        self.pids = pids
        self.t0 = time.monotonic()
        self.samples: list[tuple[float, float]] = []

    def sample(self) -> None:
        self.samples.append((time.monotonic() - self.t0, sum(rss_mb(p) for p in self.pids)))

    @property
    def peak_mb(self) -> float:
        return max((mb for _, mb in self.samples), default=0.0)


class Run:
    """One isolated hub (own topic prefix and app id) on a running broker."""

    def __init__(self, bootstrap: str, home: Path, feed: Path, tag: str) -> None:
        self.feed = feed
        prefix = f"bench{tag}{uuid.uuid4().hex[:6]}."
        self.env = {**os.environ, "FIULINK_BOOTSTRAP": bootstrap, "FIULINK_HOME": str(home), "FIULINK_TOKEN_KEY": "bench-key-0123456789",
                    "FIULINK_TOPIC_PREFIX": prefix, "FIULINK_APP_ID": f"{prefix}hub"}  # fmt: skip
        self.s = Settings.from_env(self.env)
        self.procs: list[subprocess.Popen[bytes]] = []
        self._clients: tuple[Any, Any] | None = None  # admin, consumer: kept across lag polls

    def cli(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "streams", *args], env=self.env, capture_output=True, text=True
        )
        if done.returncode != 0:
            raise RuntimeError(f"fiulink {' '.join(args)}: {done.stderr[-2000:]}")
        return done.stderr

    def spawn(self, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        log = open(self.s.home / f"{args[0]}-{len(self.procs)}.log", "ab")  # noqa: SIM115
        p = subprocess.Popen([sys.executable, *args], env=env or self.env, stdout=log, stderr=subprocess.STDOUT,
                             start_new_session=True, cwd=ROOT)  # fmt: skip
        self.procs.append(p)
        return p

    def stop(self) -> None:
        stop_processes(self.procs)
        if self._clients is not None:
            for client in self._clients:
                client.close()
            self._clients = None

    def clients(self) -> tuple[Any, Any]:
        """One admin client and one consumer for the run's polls (a new pair every quarter
        second would load the broker the figures are measured on)."""
        if self._clients is None:
            from streams.kafka.clients import consumer

            self._clients = (admin_client(self.s), consumer(self.s))
        return self._clients

    def create_topics(self, policy: Path) -> None:
        """The run's topics, every one stamped by the broker (``LogAppendTime``): record
        timestamps then say when Kafka took each record, whichever client or worker wrote it,
        which is what the clocks below read."""
        from kafka.admin import ConfigResource, ConfigResourceType

        self.cli("topics", "create", "--policy", str(policy))
        admin, c = self.clients()
        mine = [t for t in c.topics() if t.startswith(self.s.topics.prefix)]
        admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, t, configs={"message.timestamp.type": "LogAppendTime"})
                             for t in mine])  # fmt: skip

    def start_workers(self, procs: list[subprocess.Popen[bytes]]) -> float:
        """Start of a measured run (wall clock, s): the last moment the workers' consumer group
        had no member (with several workers the first one starts before the others join).
        Returns once all have joined and the group is stable."""
        return wait_for_worker(self.s, *procs, timeout=120, poll=0.05, settle=0)

    def last_write(self, topics: list[str]) -> float:
        """Kafka timestamp (s) of the newest record on ``topics``: when the last output was written."""
        from kafka import TopicPartition

        _, c = self.clients()
        tps = [TopicPartition(t, p) for t in topics for p in (c.partitions_for_topic(t) or ())]
        ends = {tp: end for tp, end in c.end_offsets(tps).items() if end > 0}
        if not ends:
            raise RuntimeError(f"nothing was written to {', '.join(topics)}")
        c.assign(list(ends))
        for tp, end in ends.items():
            c.seek(tp, end - 1)
        newest, pending, deadline = 0, set(ends), time.monotonic() + 30
        while pending and time.monotonic() < deadline:
            for tp, msgs in c.poll(timeout_ms=500).items():
                if msgs and msgs[-1].offset >= ends[tp] - 1:
                    pending.discard(tp)
                newest = max([newest, *(m.timestamp for m in msgs)])
        c.unsubscribe()
        if pending:
            raise TimeoutError(f"could not read the last record of {sorted(map(str, pending))[:3]}")
        return newest / 1000

    def first_write(self, topics: list[str]) -> float:
        """Kafka timestamp (s) of the oldest record on ``topics``: when the first output was written
        (the engines' start-up, group join and state set-up excluded)."""
        from kafka import TopicPartition

        _, c = self.clients()
        tps = [TopicPartition(t, p) for t in topics for p in (c.partitions_for_topic(t) or ())]
        starts = c.beginning_offsets(tps)
        ends = {tp: end for tp, end in c.end_offsets(tps).items() if end > starts[tp]}
        c.assign(list(ends))
        for tp in ends:
            c.seek(tp, starts[tp])
        oldest, pending, deadline = float("inf"), set(ends), time.monotonic() + 30
        while pending and time.monotonic() < deadline:
            for tp, msgs in c.poll(timeout_ms=500, max_records=len(ends) * 50).items():
                if msgs:
                    pending.discard(tp)
                    oldest = min(oldest, msgs[0].timestamp)
                    c.pause(tp)
        c.resume(*c.paused())
        c.unsubscribe()
        if pending:
            raise TimeoutError(f"could not read the first record of {sorted(map(str, pending))[:3]}")
        return oldest / 1000

    def outputs(self) -> list[str]:
        """Every topic the worker writes: the run's topics but the feeds and consent topics
        (written by the FIUs), with the tables' changelogs."""
        _, c = self.clients()
        inputs = ("reports.", "consents.")
        return [t for t in c.topics() if t.startswith(self.s.topics.prefix)
                and not t[len(self.s.topics.prefix):].startswith(inputs)]  # fmt: skip

    def lag(self, group: str, topics: list[str]) -> int:
        """Messages on ``topics`` not yet committed by ``group``."""
        from kafka import TopicPartition

        admin, c = self.clients()
        committed = (admin.list_group_offsets(group) or {}).get(group) or {}
        tps = [TopicPartition(t, p) for t in topics for p in (c.partitions_for_topic(t) or ())]
        ends = c.end_offsets(tps)
        total = 0
        for tp, end in ends.items():
            meta = committed.get(tp)
            off = getattr(meta, "offset", meta if isinstance(meta, int) else 0) or 0
            total += max(0, end - max(off, 0))
        return total

    def sources(self, fius: list[str]) -> list[str]:
        """Every topic the worker consumes: feeds, consent answers, sightings, matches, subjects."""
        t = self.s.topics
        return [*map(t.feed, fius), *map(t.consent, fius), t.sightings, t.matches, t.subjects]

    def wait_drained(self, group: str, topics: list[str], timeout: float, on_poll: Any = None) -> None:
        """Until ``group`` has committed everything on ``topics``; progress on stderr."""
        start = time.monotonic()
        last_note = start
        while time.monotonic() - start < timeout:
            lag = self.lag(group, topics)
            if lag == 0:
                return
            if on_poll is not None:
                on_poll()
            if time.monotonic() - last_note > 30:  # progress on long runs
                print(
                    f"    {time.monotonic() - start:5.0f}s: {lag:,} messages still to process",
                    file=sys.stderr,
                )
                last_note = time.monotonic()
            time.sleep(0.25)
        raise TimeoutError(f"group {group} still lagging after {timeout:.0f}s")


def backfill(
    bootstrap: str,
    home: Path,
    feed: Path,
    n_reports: int,
    timeout: float = 900,
    workers: int = 1,
    extra_env: dict[str, str] | None = None,
) -> dict[str, Any]:
    """``workers`` processes in one consumer group, each with its own FIULINK_HOME (its own
    RocksDB), as separate machines would be; the clock starts once the group is stable."""
    r = Run(bootstrap, home, feed, "bf")
    r.env.update(extra_env or {})
    r.s = Settings.from_env(r.env)  # the extra environment may carry credentials and a CA
    try:
        r.create_topics(feed / "policy.toml")
        r.cli("publish", *sorted(str(p) for p in feed.glob("feed-??.jsonl")))
        fius = [p.stem.split("-")[1] for p in feed.glob("feed-??.jsonl")]
        procs = []
        for i in range(workers):
            env = {**r.env, "FIULINK_HOME": str(r.s.home / f"w{i}")}
            procs.append(r.spawn("-m", "streams", "worker", "--policy", str(feed / "policy.toml"), env=env))
        t0 = r.start_workers(procs)
        cpu0 = sum(cpu_s(p.pid) for p in procs)
        rss = RssSampler([p.pid for p in procs])
        r.wait_drained(r.s.app_id, r.sources(fius), timeout, on_poll=rss.sample)
        cpu = sum(cpu_s(p.pid) for p in procs) - cpu0  # up to the drain: a little idle time past the end
        last = r.last_write(r.outputs())
        secs, active = last - t0, last - r.first_write(r.outputs())
        return {"reports": n_reports, "workers": workers, "seconds": secs, "reports_per_s": n_reports / secs,
                "first_to_last_output_reports_per_s": n_reports / active,
                "worker_cpu_ms_per_report": 1000 * cpu / n_reports, "peak_rss_mb": rss.peak_mb}  # fmt: skip
    finally:
        r.stop()


BASELINE_APP = """
import os, faust
feeds = os.environ["BASE_FEEDS"].split(",")
app = faust.App(os.environ["FIULINK_APP_ID"], broker="kafka://" + os.environ["FIULINK_BOOTSTRAP"], store="memory://",
                topic_partitions=8, topic_disable_leader=True, web_enabled=False, consumer_auto_offset_reset="earliest",
                broker_commit_interval=1.0, broker_max_poll_records=1000, stream_wait_empty=False,
                producer_linger=0.05, producer_max_batch_size=512 * 1024, autodiscover=False)
src = app.topic(*feeds, key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw")
dst = app.topic(os.environ["BASE_OUT"], key_serializer="raw", value_serializer="raw")

@app.agent(src)
async def forward(stream):
    async for event in stream.events():
        await dst.send(key=event.key, value=event.value)

if __name__ == "__main__":
    faust.Worker(app, loglevel="warning", quiet=True).execute_from_commandline()
"""


def baseline(bootstrap: str, home: Path, feed: Path, n_reports: int, timeout: float = 900) -> dict[str, Any]:
    r = Run(bootstrap, home, feed, "base")
    try:
        r.create_topics(feed / "policy.toml")
        r.cli("publish", *sorted(str(p) for p in feed.glob("feed-??.jsonl")))
        fius = [p.stem.split("-")[1] for p in feed.glob("feed-??.jsonl")]
        feeds = [r.s.topics.feed(f) for f in fius]
        script = r.s.home / "baseline_app.py"
        script.write_text(BASELINE_APP)
        env = {**r.env, "BASE_FEEDS": ",".join(feeds), "BASE_OUT": r.s.topics.sightings}
        w = r.spawn(str(script), env=env)
        t0 = r.start_workers([w])
        r.wait_drained(r.s.app_id, feeds, timeout)
        last = r.last_write([r.s.topics.sightings])
        secs, active = last - t0, last - r.first_write([r.s.topics.sightings])
        return {"reports": n_reports, "seconds": secs, "reports_per_s": n_reports / secs,
                "first_to_last_output_reports_per_s": n_reports / active}  # fmt: skip
    finally:
        r.stop()


def latency(bootstrap: str, home: Path, feed: Path, rate: float) -> dict[str, Any]:
    from streams.publish import Publisher

    r = Run(bootstrap, home, feed, "lat")
    try:
        r.create_topics(feed / "policy.toml")
        w = r.spawn("-m", "streams", "worker", "--policy", str(feed / "policy.toml"))
        wait_for_worker(r.s, w, timeout=120)
        time.sleep(IDLE_SETTLE_S)  # past the start-up (recovery, first fetches)
        cpu0 = cpu_s(w.pid)
        time.sleep(IDLE_S)
        idle_pct = 100 * (cpu_s(w.pid) - cpu0) / IDLE_S
        stats = Publisher(r.s, rate=rate, progress_every=1e9).publish([feed / "feed-all.jsonl"])
        fius = [p.stem.split("-")[1] for p in feed.glob("feed-??.jsonl")]
        t = r.s.topics
        r.wait_drained(r.s.app_id, r.sources(fius), 600)
        notes = read_all(r.s, [t.notification(f) for f in fius], idle=1.0)
        lat = [
            (ts - n["source_ts"]) / 1000
            for _, ts, n in {n["notification_id"]: (a, ts, n) for a, ts, n in notes}.values()
        ]
        return {"offered_rate": rate, "achieved_publish_rate": stats.rate, "notifications": len(lat),
                "p50_latency_s": percentile(lat, 0.5), "p95_latency_s": percentile(lat, 0.95),
                "p99_latency_s": percentile(lat, 0.99), "idle_cpu_pct": idle_pct}  # fmt: skip
    finally:
        r.stop()


def prepare_feed(out: Path, n_reports: int, n_fius: int = 4, seed: int = 5) -> Path:
    from streams.generate import generate

    if not (out / "truth.json").exists():
        generate(n_fius, n_reports, seed, out)
        lines = [
            p.read_text(encoding="utf-8").splitlines(keepends=True) for p in sorted(out.glob("feed-??.jsonl"))
        ]
        (out / "feed-all.jsonl").write_text(
            "".join(x for g in interleave(lines) for x in g), encoding="utf-8"
        )
    return out


def create(settings: Settings, fius: list[str]) -> None:
    create_topics(settings, fius)
