"""One error root for fiulink. Library errors are mapped to these at the boundary, and the CLI
turns any of them into one clear message (and a non-zero exit) instead of a traceback."""

from __future__ import annotations


class FiulinkError(Exception):
    """Root of every error fiulink raises on purpose. ``hint`` says what to do next."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint

    def __str__(self) -> str:
        base = super().__str__()
        return f"{base}\n  hint: {self.hint}" if self.hint else base


class ConfigError(FiulinkError):
    """Settings, policy or environment are wrong or missing."""


class InputError(FiulinkError):
    """A command was given a value or an input file it cannot use (the environment: ConfigError)."""


class BrokerError(FiulinkError):
    """The embedded broker cannot be started, reached or stopped."""


class KafkaAccessError(BrokerError):
    """Kafka was reached but refused: no such topic, not allowed to read it or to use a group,
    or not read to its end in time."""


class SnapshotError(FiulinkError):
    """A snapshot cannot be opened, loaded, found or queried."""


class WorkerError(FiulinkError):
    """A worker process exited or did not join its consumer group in time."""


class ConsentError(FiulinkError):
    """A consent answer that may not be sent (not asked, asked of another FIU, answered already)."""


class InvalidIdentifierError(FiulinkError):
    """An identifier failed validation; ``reason`` names the rule that failed."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ValidationError(FiulinkError):
    """A record failed validation. ``problems`` lists (field_path, reason) pairs, all at once."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{path}: {why}" for path, why in problems))


class DecodeError(FiulinkError):
    """Bytes could not be decoded as a known Avro single-object record."""


class EncodeError(FiulinkError):
    """A record does not fit its Avro schema."""


class PolicyError(ConfigError):
    """The sharing policy file is invalid."""
