"""One frozen ``Settings`` object, read once from the environment (``FIULINK_…``) and CLI flags.

Flags win over the environment, the environment over defaults. Nothing here opens a connection
or reads a key at import time: ``Settings.from_env()`` is called by the CLI and passed down.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from streams.errors import ConfigError

if TYPE_CHECKING:
    from streams.kafka.topics import Topics

PROJECT_ROOT = Path(__file__).resolve().parent.parent

#: Partitions of every topic the worker reads or keys a table by (Faust co-partitioning rule:
#: changelogs get ``topic_partitions`` partitions, so sources must have the same number).
TOPIC_PARTITIONS = 8


def _non_negative(name: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0 or value == float("inf"):
        raise ConfigError(
            f"{name}={text!r} is not a number of days >= 0", hint=f"e.g. {name}=1825 (five years)"
        )
    return value


def _count(name: str, text: str, what: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise ConfigError(f"{name}={text!r} is not a whole number of {what} >= 0", hint=f"e.g. {name}=1")
    return value


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


@dataclass(frozen=True)
class Settings:
    bootstrap: str = "127.0.0.1:9092"
    home: Path = field(default_factory=default_home)
    token_key: bytes | None = None
    token_key_id: str = "k1"
    policy_path: Path | None = None
    partitions: int = TOPIC_PARTITIONS
    replication_factor: int = 1
    hot_threshold_reports: int = 10
    hot_threshold_fius: int = 5
    service_wallets_path: Path | None = None
    retention_days: float = 0  # 0 = keep; fractions allowed (tests use seconds' worth)
    app_id: str = "fiulink-hub"
    store: str = "rocksdb://"
    topic_prefix: str = "fiulink."
    ingest_processes: int = 0  # ingest child processes (streams/app/ingest.py); 0: in the worker
    fiu_produce_rate: int = 128 * 1024  # bytes/s an FIU principal may produce on a --secure broker
    send_timeout: float = 120.0  # seconds a produced record may wait for its acks (FIULINK_SEND_TIMEOUT)
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides: Any) -> Settings:
        e = os.environ if env is None else env
        key = e.get("FIULINK_TOKEN_KEY")
        policy = e.get("FIULINK_POLICY")
        extra: dict[str, Any] = {}
        sasl_user = e.get("FIULINK_SASL_USERNAME")
        if sasl_user:  # act as this principal on a `broker start --secure` broker (streams/kafka/secure.py)
            sasl_password = e.get("FIULINK_SASL_PASSWORD")
            if not sasl_password:
                raise ConfigError(
                    "FIULINK_SASL_USERNAME is set but FIULINK_SASL_PASSWORD is not",
                    hint="export FIULINK_SASL_PASSWORD=<the password the hub operator gave you>",
                )
            extra["client"] = {
                "security_protocol": "SASL_PLAINTEXT",
                "sasl_mechanism": "SCRAM-SHA-512",
                "sasl_plain_username": sasl_user,
                "sasl_plain_password": sasl_password,
            }
        from streams.kafka.tls import client_options  # TLS: FIULINK_SSL_CAFILE/_CERTFILE/_KEYFILE

        tls = client_options(e, sasl=bool(sasl_user))
        if tls:
            extra["client"] = {**extra.get("client", {}), **tls}
        s = cls(
            bootstrap=e.get("FIULINK_BOOTSTRAP", cls.bootstrap),
            home=home_of(e),
            token_key=key.encode() if key else None,
            token_key_id=e.get("FIULINK_TOKEN_KEY_ID", cls.token_key_id),
            policy_path=Path(policy) if policy else None,
            partitions=int(e.get("FIULINK_PARTITIONS", cls.partitions)),
            hot_threshold_reports=int(e.get("FIULINK_HOT_REPORTS", cls.hot_threshold_reports)),
            hot_threshold_fius=int(e.get("FIULINK_HOT_FIUS", cls.hot_threshold_fius)),
            retention_days=_non_negative("FIULINK_RETENTION_DAYS", e.get("FIULINK_RETENTION_DAYS", "0")),
            app_id=e.get("FIULINK_APP_ID", cls.app_id),
            store=e.get("FIULINK_STORE", cls.store),
            topic_prefix=e.get("FIULINK_TOPIC_PREFIX", cls.topic_prefix),
            ingest_processes=_count(
                "FIULINK_INGEST_PROCESSES",
                e.get("FIULINK_INGEST_PROCESSES", "0"),
                "processes",
            ),
            fiu_produce_rate=_count(
                "FIULINK_FIU_PRODUCE_RATE",
                e.get("FIULINK_FIU_PRODUCE_RATE", str(cls.fiu_produce_rate)),
                "bytes per second",
            ),
            send_timeout=float(
                _count("FIULINK_SEND_TIMEOUT", e.get("FIULINK_SEND_TIMEOUT", "120"), "seconds")
            ),
            extra=extra,
        )
        return s.with_overrides(**overrides)

    def with_overrides(self, **overrides: Any) -> Settings:
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})

    def require_key(self) -> bytes:
        if not self.token_key:
            raise ConfigError(
                "no token key: FIULINK_TOKEN_KEY is not set",
                hint="export FIULINK_TOKEN_KEY=<the consortium key> (the demo makes one for you)",
            )
        return self.token_key

    def require_policy(self) -> Path:
        if self.policy_path is None:
            raise ConfigError(
                "no sharing policy given",
                hint="pass --policy FILE or export FIULINK_POLICY=FILE (see README, 'Sharing policy')",
            )
        return self.policy_path

    @property
    def topics(self) -> Topics:
        from streams.kafka.topics import Topics

        return Topics(self.topic_prefix)

    @property
    def port(self) -> int:
        return int(self.bootstrap.rsplit(":", 1)[1])
