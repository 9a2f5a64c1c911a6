"""The worker's per-record steps, free of Faust: bytes in, (topic, key, value) out.

Each agent is a loop over its stream calling one of these; tests and the batch/replay mode call
them directly. They decode, call the pure core, encode. A record that cannot be processed becomes
a DeadLetter naming topic/partition/offset, the field and the reason; nothing here raises.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from streams.codec.avro import Codec
from streams.core.correlate import CorrelationRules, step
from streams.core.extract import identifiers_of
from streams.core.policy import Outcome, SharingPolicy, answer_consent, decide
from streams.core.tokens import Tokenizer
from streams.core.validate import validate_report
from streams.errors import DecodeError
from streams.kafka.topics import Topics

Out = list[tuple[str, bytes, bytes]]
MAX_PAYLOAD = 64 * 1024


def utcnow() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Steps:
    def __init__(
        self,
        codec: Codec,
        tokenizer: Tokenizer,
        policy: SharingPolicy,
        rules: CorrelationRules,
        topics: Topics,
    ) -> None:
        self.topics = topics
        self.codec = codec
        self.tokenize = tokenizer
        self.policy = policy
        self.rules = rules

    # -- dead letters ------------------------------------------------------------------------
    def dead_letter(
        self,
        topic: str,
        partition: int,
        offset: int,
        payload: bytes | None,
        reason: str,
        field: str = "",
        stage: str = "ingest",
    ) -> tuple[str, bytes, bytes]:
        source = f"{topic}/{partition}/{offset}"
        raw = payload if isinstance(payload, bytes) else b""
        rec = {
            "source": source,
            "topic": topic,
            "partition": partition,
            "offset": offset,
            "field": field,
            "reason": reason[:2000],
            "stage": stage,
            "payload": raw[:MAX_PAYLOAD],
            "created_at": utcnow(),
        }
        return self.topics.dead_letter, source.encode(), self.codec.encode("DeadLetter", rec)

    # -- ingest: report -> sightings -----------------------------------------------------------
    def ingest(self, topic: str, partition: int, offset: int, ts_ms: int, value: bytes | None) -> Out:
        try:
            _, report = self.codec.decode(value or b"", expect="StrReport")
        except DecodeError as exc:
            return [self.dead_letter(topic, partition, offset, value, str(exc))]
        feed_fiu = self.topics.fiu_of_feed(topic)
        record, problems = validate_report(report)
        if record is None:
            field, why = problems[0]
            reason = "; ".join(f"{p}: {w}" for p, w in problems)
            return [self.dead_letter(topic, partition, offset, value, reason, field)]
        if feed_fiu is not None and record["fiu"] != feed_fiu:
            reason = f"report {record['report_id']} says fiu={record['fiu']} but came on the {feed_fiu} feed"
            return [self.dead_letter(topic, partition, offset, value, reason, "fiu")]
        found, bad = identifiers_of(record)
        out: Out = []
        for field, why in bad:  # left out of matching, recorded; the report's other identifiers still match
            out.append(
                self.dead_letter(
                    topic,
                    partition,
                    offset,
                    None,
                    f"report {record['report_id']}: {why}",
                    field,
                    stage="identifier",
                )
            )
        tokens = [(k, self.tokenize(k, v)) for k, v in found]
        tokens.extend((t["kind"], t["token"]) for t in record["tokens"])
        h = record["handling"]
        base = {
            "fiu": record["fiu"],
            "report_id": record["report_id"],
            "sharing": h["sharing"],
            "restrictions": h["restrictions"],
            "submitted_at": record["submitted_at"],
            "source_ts": ts_ms,
        }
        seen: set[str] = set()
        for kind, token in tokens:
            if token in seen:
                continue
            seen.add(token)
            out.append(
                (
                    self.topics.sightings,
                    token.encode(),
                    self.codec.encode("Sighting", {**base, "kind": kind, "token": token}, check=False),
                )
            )
        return out

    # -- correlate: sighting x state -> matches ------------------------------------------------
    def correlate(self, state: dict[str, Any] | None, value: bytes) -> tuple[dict[str, Any] | None, Out]:
        _, s = self.codec.decode(value, expect="Sighting")
        new_state, matches = step(state, s, self.rules, utcnow())
        return new_state, [
            (self.topics.matches, m["match_id"].encode(), self.codec.encode("Match", m)) for m in matches
        ]

    # -- notify: match or consent answer x state -> notifications + audit ----------------------
    def notify(self, state: dict[str, Any] | None, value: bytes) -> tuple[dict[str, Any] | None, Out]:
        name, rec = self.codec.decode(value)
        if name == "Match":
            new_state, outcome = decide(state, rec, self.policy, utcnow())
        elif name == "ConsentAnswer":
            new_state, outcome = answer_consent(state, rec, self.policy, utcnow())
        else:
            raise DecodeError(f"expected a Match or ConsentAnswer record, got {name}")
        return new_state, self._outcome(outcome)

    def _outcome(self, outcome: Outcome) -> Out:
        out: Out = [
            (
                self.topics.notification(n["recipient_fiu"]),
                n["notification_id"].encode(),
                self.codec.encode("Notification", n),
            )
            for n in outcome.notifications
        ]
        out.extend(
            (self.topics.audit, a["decision_id"].encode(), self.codec.encode("AuditDecision", a))
            for a in outcome.audit
        )
        return out
