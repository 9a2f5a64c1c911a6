"""Test and demo helpers: report factories and a handle on one isolated hub (unique topic
prefix, home, key and consumer group) on a running broker, driven through the real CLI."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from streams.codec import Codec
from streams.config import Settings
from streams.core.validate import validate_report

FIULINK = [sys.executable, "-m", "streams"]


def fiulink(env: dict[str, str], *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """Run the CLI with ``env``; its output captured."""
    return subprocess.run([*FIULINK, *args], env=env, capture_output=True, text=True, timeout=timeout)


def report(
    report_id: str, fiu: str, *, sharing: str = "auto", restrictions: Iterable[str] = (), **subject: Any
) -> dict[str, Any]:
    """A minimal valid STR in the JSON shape of docs/feed.md with one person subject."""
    return {
        "report_id": report_id,
        "fiu": fiu,
        "submitted_at": "2026-11-20T10:00:00Z",
        "reporting_entity": {"name": "Example VASP SAS", "kind": "vasp", "id": "969500T3MBS4SQAMHJ45"},
        "typologies": ["mixer"],
        "handling": {"sharing": sharing, "restrictions": list(restrictions)},
        "subjects": [{"subject_id": "s1", "kind": "person", **subject}],
        "transactions": [
            {"chain": "btc", "asset": "BTC", "amount": "1.25", "timestamp": "2026-11-19T08:00:00Z"}
        ],
        "narrative": "narrative that must stay with the reporting FIU",
    }


def policy_text(
    fius: Iterable[str],
    *,
    auto: Iterable[tuple[str, str]] = (),
    consent: Iterable[tuple[str, str]] = (),
    deny: Iterable[tuple[str, str]] = (),
    default: str = "deny",
    purposes: dict[tuple[str, str], str] | None = None,
) -> str:
    """A sharing policy (TOML): its members, the default and one agreement per pair, in the order
    auto, consent, deny; ``purposes`` adds a purpose to a pair's agreement."""
    lines = [f"fius = [{', '.join(json.dumps(f) for f in fius)}]", f'default = "{default}"']
    for mode, pairs in (("auto", auto), ("consent", consent), ("deny", deny)):
        for a, b in pairs:
            lines += ["", "[[agreement]]", f'fius = ["{a}", "{b}"]', f'mode = "{mode}"']
            purpose = (purposes or {}).get((a, b))
            if purpose:
                lines.append(f"purpose = {json.dumps(purpose)}")
    return "\n".join(lines) + "\n"


# -- a report with every kind of identifier, and its Avro bytes ----------------------------------
EMAIL = "ivan.p@example.org"
BTC = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"
BTC_BROKEN = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5"  # last character changed: bad checksum
ETH = "0x52908400098527886e0f7030069857d2e4169ee7"
NARRATIVE = "the subject moved ransom proceeds through a mixer"
ENTITY = "Example VASP SAS"
AMOUNT = "98765.4321"


def raw_report(report_id: str = "FR-2026-000123", fiu: str = "FR", **over: Any) -> dict[str, Any]:
    r: dict[str, Any] = {
        "report_id": report_id,
        "fiu": fiu,
        "submitted_at": "2026-11-20T14:03:00Z",
        "reporting_entity": {"name": ENTITY, "kind": "vasp", "id": "969500T3MBS4SQAMHJ45"},
        "typologies": ["ransomware"],
        "handling": {"sharing": "auto", "restrictions": ["no-onward-dissemination"]},
        "subjects": [
            {
                "subject_id": "s1",
                "emails": [EMAIL],
                "wallets": [{"chain": "btc", "address": BTC}, {"chain": "eth", "address": ETH}],
            },
            {"subject_id": "s2", "emails": [EMAIL]},  # the same e-mail again: one sighting
        ],
        # the same eth address again, as a transaction side: still one wallet sighting
        "transactions": [{"chain": "eth", "from_address": ETH, "asset": "USDT", "amount": AMOUNT}],
        "narrative": NARRATIVE,
    }
    r.update(over)
    return r


def encode_report(codec: Codec, raw: dict[str, Any]) -> bytes:
    """``raw`` validated (it must be valid) and encoded as the publisher sends it."""
    record, problems = validate_report(raw)
    assert problems == [], problems
    assert record is not None
    return codec.encode("StrReport", record)


def write_jsonl(path: Path, rows: Iterable[dict[str, Any] | str]) -> Path:
    path.write_text(
        "".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in rows)
    )
    return path


@dataclass
class Hub:
    """One isolated fiulink deployment on a shared broker."""

    bootstrap: str
    home: Path
    prefix: str = field(default_factory=lambda: f"t{uuid.uuid4().hex[:10]}.")
    key: str = field(default_factory=lambda: uuid.uuid4().hex)
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "FIULINK_BOOTSTRAP": self.bootstrap,
            "FIULINK_HOME": str(self.home),
            "FIULINK_TOKEN_KEY": self.key,
            "FIULINK_TOPIC_PREFIX": self.prefix,
            "FIULINK_APP_ID": f"{self.prefix}hub",
            **self.extra_env,
        }

    @property
    def settings(self) -> Settings:
        return Settings.from_env(self.env)

    def cli(
        self, *args: str, check: bool = False, timeout: float = 120, **kw: Any
    ) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [*FIULINK, *args], env=self.env, capture_output=True, text=True, timeout=timeout, **kw
        )
        if check and done.returncode != 0:
            raise AssertionError(f"fiulink {' '.join(args)} exited {done.returncode}:\n{done.stderr[-3000:]}")
        return done

    def start_worker(self, policy: Path, *extra: str, name: str = "worker") -> subprocess.Popen[bytes]:
        log = open(self.home / f"{name}-{len(self.workers)}.log", "ab")  # noqa: SIM115 - owned by the child
        self.home.mkdir(parents=True, exist_ok=True)
        p = subprocess.Popen([*FIULINK, "worker", "--policy", str(policy), *extra], env=self.env, stdout=log,
                             stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
        self.workers.append(p)
        return p

    def stop_workers(self, sig: int = signal.SIGTERM, timeout: float = 30) -> None:
        from streams.processes import stop_processes

        stop_processes(self.workers, sig, timeout)
        self.workers.clear()

    def publish_while_killing(
        self,
        policy: Path,
        files: list[Path],
        *,
        seed: int,
        pause: tuple[float, float] = (2.0, 5.0),
        min_kills: int = 3,
        rate: float = 100.0,
        on_kill: Callable[[int], None] | None = None,
    ) -> int:
        """Publish ``files`` at ``rate`` while the worker is SIGKILLed at random moments (``pause``
        apart, ``seed`` fixed) and restarted, at least ``min_kills`` times and until the whole
        feed is out; ``on_kill(n)`` runs while the n-th kill leaves no worker. Returns the kills."""
        import random

        from streams.publish import Publisher

        self.start_worker(policy)
        publisher = threading.Thread(
            target=lambda: Publisher(self.settings, rate=rate, progress_every=1e9).publish(files)
        )
        publisher.start()
        rng = random.Random(seed)
        kills = 0
        while publisher.is_alive() or kills < min_kills:
            time.sleep(rng.uniform(*pause))
            self.stop_workers(signal.SIGKILL)
            kills += 1
            if on_kill is not None:
                on_kill(kills)
            self.start_worker(policy)
        publisher.join()
        return kills

    def read(self, topics: list[str], *, until: Callable[[list[dict[str, Any]]], bool] | None = None,
             timeout: float = 90.0, idle: float = 3.0) -> list[dict[str, Any]]:  # fmt: skip
        """Every record on ``topics`` from the beginning; with ``until``, poll until it holds."""
        from streams.tail import tail

        deadline = time.monotonic() + timeout
        while True:
            got: list[dict[str, Any]] = []
            tail(self.settings, topics, from_beginning=True, idle_timeout=idle, dedupe=False,
                 on_record=lambda _t, r, got=got: got.append(r))  # fmt: skip
            if until is None or until(got) or time.monotonic() > deadline:
                return got
            time.sleep(1.0)

    def worker_logs(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-4000:] for p in sorted(self.home.glob("*.log")))


def notification_ids(notes: list[dict[str, Any]], hot_tokens: set[str]) -> set[str]:
    """Ids of the notifications not about a hot token (which links precede a token turning hot
    depends on arrival order, so those are left out of streaming-vs-replay comparisons)."""
    return {n["notification_id"] for n in notes if n["token"] not in hot_tokens}


def expected_notification_ids(
    files: list[Path], key: str, policy: Path, entity_links: bool = False
) -> tuple[set[str], set[str]]:
    """(ids replay mode gives for the feed, its hot tokens): what a streaming run must produce."""
    from streams.core.correlate import CorrelationRules
    from streams.core.policy import SharingPolicy
    from streams.replay import read_feed, replay

    expected = replay(
        read_feed(files),
        key.encode(),
        SharingPolicy.load(policy),
        CorrelationRules(),
        entity_links=entity_links,
    )
    hot = {n["token"] for n in expected["notifications"] if n["type"] == "hot_identifier"}
    return notification_ids(expected["notifications"], hot), hot


class CaseSystem:
    """A real HTTP endpoint: the first ``fail_first`` requests get a 500, then 200 for the rest.
    ``received``: (Idempotency-Key, body) of each accepted POST; ``raw``: its headers and bytes."""

    def __init__(self, fail_first: int = 0) -> None:
        self.fail_left = fail_first
        self.received: list[tuple[str | None, dict[str, Any]]] = []
        self.raw: list[tuple[dict[str, str], bytes]] = []
        self.failed = 0
        lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                data = self.rfile.read(int(self.headers["Content-Length"]))
                body = json.loads(data)
                with lock:
                    fail = outer.fail_left > 0
                    outer.fail_left -= 1
                    if fail:
                        outer.failed += 1
                    else:
                        outer.received.append((self.headers.get("Idempotency-Key"), body))
                        outer.raw.append((dict(self.headers.items()), data))
                self.send_response(500 if fail else 200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/notifications"

    @contextmanager
    def running(self) -> Iterator[CaseSystem]:
        t = threading.Thread(target=self.server.serve_forever, daemon=True)
        t.start()
        try:
            yield self
        finally:
            self.server.shutdown()
            self.server.server_close()


# -- a secure hub for tests ------------------------------------------------------------------
@dataclass
class SecureHub:
    env: dict[str, str]
    settings: Settings
    tmp: Path

    @property
    def bootstrap(self) -> str:
        return self.settings.bootstrap

    @property
    def policy(self) -> Path:
        return self.tmp / "policy.toml"

    def conf(self, principal: str) -> dict[str, Any]:
        from streams.kafka import secure

        return {
            "bootstrap_servers": self.bootstrap,
            **self.settings.as_principal(
                principal, secure.principal_password(self.settings, principal)
            ).client_options(),
        }

    def env_of(self, principal: str) -> dict[str, str]:
        from streams.kafka import secure

        return {
            **self.env,
            "FIULINK_SASL_USERNAME": principal,
            "FIULINK_SASL_PASSWORD": secure.load_credentials(self.settings)[principal],
        }

    def cli(self, *args: str, principal: str | None = None) -> subprocess.CompletedProcess[str]:
        env = self.env_of(principal) if principal else self.env
        return subprocess.run([*FIULINK, *args], env=env, capture_output=True, text=True, timeout=120)


@contextmanager
def started_secure_hub(tmp: Path, policy: str, **env_extra: str) -> Iterator[SecureHub]:
    """A secure broker (SASL/SCRAM, ACLs) under ``tmp``, started and granted through the CLI as an
    operator would (``broker start --secure``, ``topics create --secure``); stopped after."""
    from streams.kafka.broker import EmbeddedBroker, free_port

    port = free_port()
    env = {
        **os.environ,
        "FIULINK_HOME": str(tmp / "home"),
        "FIULINK_BOOTSTRAP": f"127.0.0.1:{port}",
        "FIULINK_TOPIC_PREFIX": "fiulink.",
        "FIULINK_TOKEN_KEY": "secure-test-key-0123456789",
        **env_extra,
    }
    for k in ("FIULINK_SASL_USERNAME", "FIULINK_SASL_PASSWORD"):
        env.pop(k, None)
    settings = Settings.from_env(env)
    hub = SecureHub(env, settings, tmp)
    hub.policy.write_text(policy)
    try:
        started = hub.cli("broker", "start", "--secure")
        assert started.returncode == 0, started.stderr[-3000:]
        assert started.stdout.strip() == settings.bootstrap
        granted = hub.cli("topics", "create", "--secure", "--policy", str(hub.policy), principal="hub")
        assert granted.returncode == 0, granted.stderr[-3000:]
        yield hub
    finally:
        EmbeddedBroker(settings).stop()
