"""One frozen ``Settings`` object, read once from the environment (``FIULINK_…``) and CLI flags.

Flags win over the environment, the environment over defaults. Nothing here opens a connection
or reads a key at import time: ``Settings.from_env()`` is called by the CLI and passed down.
Every value is checked as it is read: a wrong one is a ``ConfigError`` naming the variable and
what it should be, never a traceback. Secrets (the token key, the SASL password) are kept out
of ``repr``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from streams.errors import ConfigError
from streams.topics import Topics

PROJECT_ROOT = Path(__file__).resolve().parent.parent

#: Partitions of every topic the worker reads or keys a table by (Faust co-partitioning rule:
#: changelogs get ``topic_partitions`` partitions, so sources must have the same number).
TOPIC_PARTITIONS = 8

#: what ``--loglevel`` and FIULINK_LOG_LEVEL accept
LOG_LEVELS = ("debug", "info", "warning", "error", "critical")


def _days(name: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0 or value == float("inf"):
        raise ConfigError(
            f"{name}={text!r} is not a number of days >= 0", hint=f"e.g. {name}=1825 (five years)"
        )
    return value


def _whole(name: str, text: str, what: str, minimum: int = 0, example: int = 1) -> int:
    try:
        value = int(text)
    except ValueError:
        value = minimum - 1
    if value < minimum:
        raise ConfigError(
            f"{name}={text!r} is not a whole number of {what} >= {minimum}", hint=f"e.g. {name}={example}"
        )
    return value


def _bootstrap(name: str, text: str) -> str:
    for server in text.split(","):
        host, _, port = server.strip().rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ConfigError(
                f"{name}={text!r}: {server.strip()!r} is not HOST:PORT",
                hint=f"e.g. {name}=127.0.0.1:9092 (several: comma-separated)",
            )
    return text


def _switch(name: str, text: str) -> bool:
    value = text.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off", ""):
        return False
    raise ConfigError(f"{name}={text!r} is not on or off", hint=f"{name}=1 (on) or {name}=0 (off)")


def _log_level(name: str, text: str) -> str:
    level = text.strip().lower()
    if level not in LOG_LEVELS:
        raise ConfigError(f"{name}={text!r} is not a log level", hint=f"one of {', '.join(LOG_LEVELS)}")
    return level


def _tls_files(e: Mapping[str, str]) -> tuple[str | None, str | None, str | None]:
    """FIULINK_SSL_CAFILE (and FIULINK_SSL_CERTFILE / FIULINK_SSL_KEYFILE for mutual TLS),
    checked: a client certificate needs its key and a CA; every file must exist."""
    cafile, certfile, keyfile = (e.get(f"FIULINK_SSL_{k}") or None for k in ("CAFILE", "CERTFILE", "KEYFILE"))
    if not cafile:
        if certfile or keyfile:
            raise ConfigError(
                "FIULINK_SSL_CERTFILE/FIULINK_SSL_KEYFILE are set but FIULINK_SSL_CAFILE is not",
                hint="export FIULINK_SSL_CAFILE=<the hub's ca.pem>",
            )
        return None, None, None
    if bool(certfile) != bool(keyfile):
        raise ConfigError(
            "mutual TLS needs both FIULINK_SSL_CERTFILE and FIULINK_SSL_KEYFILE",
            hint="set both (your client certificate and its key), or neither",
        )
    for var, path in (("CAFILE", cafile), ("CERTFILE", certfile), ("KEYFILE", keyfile)):
        if path and not Path(path).is_file():
            raise ConfigError(f"FIULINK_SSL_{var}={path}: no such file")
    return cafile, certfile, keyfile


def default_home(env: Mapping[str, str] | None = None) -> Path:
    """Where local state lives unless FIULINK_HOME says otherwise: a per-user directory, never
    the current one (``$XDG_DATA_HOME/fiulink``, else ``~/.local/share/fiulink``)."""
    e = os.environ if env is None else env
    xdg = e.get("XDG_DATA_HOME")
    if xdg and Path(xdg).is_absolute():  # the XDG spec: a relative value is to be ignored
        return Path(xdg) / "fiulink"
    home = e.get("HOME")
    return (Path(home) if home else Path.home()) / ".local" / "share" / "fiulink"


def home_of(env: Mapping[str, str]) -> Path:
    """FIULINK_HOME as an absolute path (a relative one is taken from where the command started,
    once, so that child processes agree), or the per-user default."""
    given = env.get("FIULINK_HOME")
    return Path(given).expanduser().absolute() if given else default_home(env)


def version() -> str:
    """The installed fiulink's version (``fiulink --version``)."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as dist_version

    try:
        return dist_version("fiulink")
    except PackageNotFoundError:
        return "unknown (not installed)"


MIN_KEY_BYTES = 16  # the consortium token key: shorter keys are refused


@dataclass(frozen=True)
class Settings:
    bootstrap: str = "127.0.0.1:9092"
    home: Path = field(default_factory=default_home)
    token_key: bytes | None = field(default=None, repr=False)
    token_key_id: str = "k1"
    policy_path: Path | None = None
    partitions: int = TOPIC_PARTITIONS
    replication_factor: int | None = None  # None: automatic (3 from three brokers on, else 1)
    hot_threshold_reports: int = 10
    hot_threshold_fius: int = 5
    service_wallets_path: Path | None = None
    retention_days: float = 0  # 0 = keep; fractions allowed (tests use seconds' worth)
    app_id: str = "fiulink-hub"
    store: str = "rocksdb://"
    topic_prefix: str = "fiulink."
    fiu_produce_rate: int = 128 * 1024  # bytes/s an FIU principal may produce on a --secure broker
    log_level: str = "warning"  # the worker's, framework loggers (faust, mode, aiokafka) included
    #: fuzzy person/organisation links in the worker (FIULINK_ENTITY_LINKS; off: they cost ~10x)
    entity_links: bool = False
    #: the worker's agents take whole fetches (``streams/app/fetches.py``; FIULINK_FETCH_BATCHES=0:
    #: Faust's per-record path, kept to measure against)
    fetch_batches: bool = True
    #: act as this principal on a ``broker start --secure`` broker (``streams/kafka/secure.py``)
    sasl_username: str | None = None
    sasl_password: str | None = field(default=None, repr=False)
    kafka_libs: Path = PROJECT_ROOT / ".kafka" / "libs"  # the embedded broker's jars
    #: extra arguments to the broker's storage format (``--add-scram``: holds a password)
    broker_format_args: tuple[str, ...] = field(default=(), repr=False)
    send_timeout: float = 120.0  # seconds a produced record may wait for its acks (FIULINK_SEND_TIMEOUT)
    #: TLS (``broker start --tls``): the CA to trust, and this client's certificate for mutual TLS
    ssl_cafile: str | None = None
    ssl_certfile: str | None = None
    ssl_keyfile: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        e = os.environ if env is None else env

        def read(name: str, default: Any, check: Callable[[str, str], Any] | None = None) -> Any:
            text = e.get(name)
            if text is None:
                return default
            return check(name, text) if check else text

        key = e.get("FIULINK_TOKEN_KEY")
        policy = e.get("FIULINK_POLICY")
        sasl_user = e.get("FIULINK_SASL_USERNAME") or None
        sasl_password = e.get("FIULINK_SASL_PASSWORD") or None
        if sasl_user and not sasl_password:
            raise ConfigError(
                "FIULINK_SASL_USERNAME is set but FIULINK_SASL_PASSWORD is not",
                hint="export FIULINK_SASL_PASSWORD=<the password the hub operator gave you>",
            )
        libs = e.get("FIULINK_KAFKA_LIBS")
        cafile, certfile, keyfile = _tls_files(e)
        s = cls(
            bootstrap=read("FIULINK_BOOTSTRAP", cls.bootstrap, _bootstrap),
            home=home_of(e),
            token_key=key.encode() if key else None,
            token_key_id=read("FIULINK_TOKEN_KEY_ID", cls.token_key_id),
            policy_path=Path(policy) if policy else None,
            partitions=read(
                "FIULINK_PARTITIONS", cls.partitions, lambda n, t: _whole(n, t, "partitions", 1, 8)
            ),
            replication_factor=read(
                "FIULINK_REPLICATION_FACTOR",
                cls.replication_factor,
                lambda n, t: _whole(n, t, "replicas", 1, 3),
            ),
            hot_threshold_reports=read(
                "FIULINK_HOT_REPORTS", cls.hot_threshold_reports, lambda n, t: _whole(n, t, "reports", 1, 10)
            ),
            hot_threshold_fius=read(
                "FIULINK_HOT_FIUS", cls.hot_threshold_fius, lambda n, t: _whole(n, t, "FIUs", 1, 5)
            ),
            retention_days=read("FIULINK_RETENTION_DAYS", 0.0, _days),
            app_id=read("FIULINK_APP_ID", cls.app_id),
            store=read("FIULINK_STORE", cls.store),
            topic_prefix=read("FIULINK_TOPIC_PREFIX", cls.topic_prefix),
            fiu_produce_rate=read(
                "FIULINK_FIU_PRODUCE_RATE",
                cls.fiu_produce_rate,
                lambda n, t: _whole(n, t, "bytes per second", 0, 131072),
            ),
            log_level=read("FIULINK_LOG_LEVEL", cls.log_level, _log_level),
            entity_links=read("FIULINK_ENTITY_LINKS", cls.entity_links, _switch),
            fetch_batches=read("FIULINK_FETCH_BATCHES", cls.fetch_batches, _switch),
            sasl_username=sasl_user,
            sasl_password=sasl_password if sasl_user else None,
            kafka_libs=Path(libs) if libs else cls.kafka_libs,
            send_timeout=float(
                read("FIULINK_SEND_TIMEOUT", 120, lambda n, t: _whole(n, t, "seconds", 1, 120))
            ),
            ssl_cafile=cafile,
            ssl_certfile=certfile,
            ssl_keyfile=keyfile,
        )
        return s.with_overrides(**overrides)

    def with_overrides(self, **overrides: Any) -> Settings:
        """A copy with these values (None: keep this one), checked as the environment's are."""
        given = {k: v for k, v in overrides.items() if v is not None}
        if "log_level" in given:
            given["log_level"] = _log_level("--loglevel", given["log_level"])
        return replace(self, **given)

    def require_key(self) -> bytes:
        if not self.token_key:
            raise ConfigError(
                "no token key: FIULINK_TOKEN_KEY is not set",
                hint="export FIULINK_TOKEN_KEY=<the consortium key> (the demo makes one for you)",
            )
        if len(self.token_key) < MIN_KEY_BYTES:
            raise ConfigError(
                f"FIULINK_TOKEN_KEY is {len(self.token_key)} bytes: a token key needs at least "
                f"{MIN_KEY_BYTES} (a short key lets anyone who guesses it test identifiers against tokens)",
                hint="make one with: python3 -c 'import secrets; print(secrets.token_hex(32))'",
            )
        return self.token_key

    def require_policy(self) -> Path:
        if self.policy_path is None:
            raise ConfigError(
                "no sharing policy given",
                hint="pass --policy FILE or export FIULINK_POLICY=FILE (see README, 'Configuration': the sharing policy)",
            )
        return self.policy_path

    def client_options(self) -> dict[str, Any]:
        """kafka-python options for this principal: SASL/SCRAM when credentials are set, over TLS
        when a CA is given (FIULINK_SSL_CAFILE; with a client certificate: mutual TLS)."""
        opts: dict[str, Any] = {}
        if self.sasl_username:
            opts = {
                "security_protocol": "SASL_PLAINTEXT",
                "sasl_mechanism": "SCRAM-SHA-512",
                "sasl_plain_username": self.sasl_username,
                "sasl_plain_password": self.sasl_password,
            }
        if self.ssl_cafile:
            opts.update(
                security_protocol="SASL_SSL" if self.sasl_username else "SSL",
                ssl_cafile=self.ssl_cafile,
                ssl_check_hostname=True,
            )
            if self.ssl_certfile:
                opts.update(ssl_certfile=self.ssl_certfile, ssl_keyfile=self.ssl_keyfile)
        return opts

    def as_principal(self, username: str, password: str) -> Settings:
        """These settings acting as another SASL principal (the hub, on a --secure broker)."""
        return replace(self, sasl_username=username, sasl_password=password)

    @property
    def log_level_number(self) -> int:
        return logging.getLevelNamesMapping()[self.log_level.upper()]

    @property
    def topics(self) -> Topics:
        return Topics(self.topic_prefix)

    @property
    def port(self) -> int:
        return int(self.bootstrap.rsplit(":", 1)[1])
