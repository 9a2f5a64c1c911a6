"""The worker's per-record steps, free of Faust: bytes in, (topic, key, value) out.

Each agent is a loop over its stream calling one of these; tests and the batch/replay mode call
them directly. They decode, call the pure core, encode. A record that cannot be processed becomes
a DeadLetter naming topic/partition/offset, the field and the reason; nothing here raises.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from streams.codec.avro import Codec
from streams.core.clock import utcnow
from streams.core.correlate import CorrelationRules, Store, step, touch
from streams.core.extract import identifiers_with_fields
from streams.core.policy import Outcome, SharingPolicy, answer_consent, decide, refusal
from streams.core.sightings import HEADER, Sighted, route, sighted, sightings_of, split, wrong_feed
from streams.core.tokens import Tokenizer
from streams.core.validate import validate_report
from streams.errors import DecodeError, ValidationError
from streams.topics import Topics

Out = list[tuple[str, bytes, bytes]]
MAX_PAYLOAD = 64 * 1024
MAX_LISTED = 20  # identifier problems named in a report's one dead letter


class Steps:
    def __init__(
        self,
        codec: Codec,
        tokenizer: Tokenizer,
        policy: SharingPolicy,
        rules: CorrelationRules,
        topics: Topics,
        partitions: int = 1,
    ) -> None:
        self.topics = topics
        self.partitions = partitions
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
            "reason": reason[:4000],
            "stage": stage,
            "payload": raw[:MAX_PAYLOAD],
            "created_at": utcnow(),
        }
        return self.topics.dead_letter, source.encode(), self.codec.encode("DeadLetter", rec)

    # -- ingest: report -> sightings -----------------------------------------------------------
    def read(
        self, topic: str, partition: int, offset: int, ts_ms: int, value: bytes | None
    ) -> tuple[Sighted | None, Out]:
        """Decode, validate, normalise and tokenise one report: (its tokens, dead letters)."""
        try:
            _, report = self.codec.decode(value or b"", expect="StrReport")
        except DecodeError as exc:
            return None, [self.dead_letter(topic, partition, offset, value, str(exc))]
        feed_fiu = self.topics.fiu_of_feed(topic)
        record, problems = validate_report(report)
        if record is None:
            field, why = problems[0]
            reason = "; ".join(f"{p}: {w}" for p, w in problems)
            return None, [self.dead_letter(topic, partition, offset, value, reason, field)]
        reason = wrong_feed(record, feed_fiu)
        if reason is not None:
            return None, [self.dead_letter(topic, partition, offset, value, reason, "fiu")]
        found, bad = identifiers_with_fields(record)
        out: Out = []
        if bad:  # left out of matching, recorded (one dead letter per report, listing each); the
            # report's other identifiers still match
            listed = "; ".join(f"{field}: {why}" if field else why for field, why in bad[:MAX_LISTED])
            more = f"; and {len(bad) - MAX_LISTED} more" if len(bad) > MAX_LISTED else ""
            report_id = record["report_id"]
            reason = (
                f"report {report_id}: identifiers left out of matching ({len(bad)} problems): {listed}{more}"
            )
            first = next((path for path, _ in bad if path), "")
            out.append(self.dead_letter(topic, partition, offset, None, reason, first, stage="identifier"))
        tokens = [(k, self.tokenize(k, v), fields) for k, v, fields in found]
        tokens.extend((t["kind"], t["token"], t.get("fields") or []) for t in record["tokens"])
        return sighted(record, tokens, ts_ms), out

    def sighting_batches(self, reports: Iterable[Sighted]) -> Out:
        """SightingBatch messages, one per sightings partition (more if large); the key is the
        batch's first token and the partition is ``self.partition_of(key)``."""
        return [
            (
                self.topics.sightings,
                batch[0]["tokens"][0]["token"].encode(),
                self.codec.encode("SightingBatch", {"reports": batch}, check=False),
            )
            for batch in split(reports, self.partitions)
        ]

    def partition_of(self, key: bytes) -> int:
        """Where a sightings message goes: every token of it routes there (``route``)."""
        return route(key.decode(), self.partitions)

    def ingest(self, topic: str, partition: int, offset: int, ts_ms: int, value: bytes | None) -> Out:
        """One report -> its dead letters and SightingBatch messages (the worker batches many)."""
        sighted, out = self.read(topic, partition, offset, ts_ms, value)
        return out + self.sighting_batches([sighted] if sighted else [])

    # -- correlate: sightings x state -> matches -----------------------------------------------
    def correlate(
        self, store: Store, value: bytes, topic: str = "", partition: int = 0, offset: int = 0
    ) -> Out:
        """Every sighting of a SightingBatch against its token's state in ``store`` (a Faust table
        partition in the worker, a dict in replay). An unreadable batch raises DecodeError (the
        caller dead-letters the message); a sighting that fails is dead-lettered on its own."""
        _, batch = self.codec.decode(value, expect="SightingBatch")
        now = utcnow()
        out: Out = []
        for s in sightings_of(batch):
            try:
                state, matches = step(store.get(s["token"]), s, self.rules, now)
                if state is not None:
                    store[s["token"]] = state  # reassign: a Faust table only logs a set
            except (KeyError, TypeError, ValueError, AttributeError) as exc:  # the record, not the store:
                # one bad sighting must not sink its batch (a store/Faust failure propagates)
                one = {**{k: s[k] for k in HEADER}, "tokens": [{"kind": s["kind"], "token": s["token"]}]}
                payload = self.codec.encode("SightingBatch", {"reports": [one]}, check=False)
                reason = f"report {s['fiu']}/{s['report_id']}: {type(exc).__name__}: {exc}"
                out.append(self.dead_letter(topic, partition, offset, payload, reason, "token", "correlate"))
                continue
            out.extend(
                (self.topics.matches, m["match_id"].encode(), self.codec.encode("Match", m, check=False))
                for m in matches
            )
        return out

    # -- notify: match or consent answer x state -> notifications + audit ----------------------
    def notify(
        self, state: dict[str, Any] | None, value: bytes, topic: str, key: str, ts_ms: int = 0
    ) -> tuple[dict[str, Any] | None, Out]:
        """A Match from the hub's ``matches`` topic, or a ConsentAnswer from an FIU's own consent
        topic: each topic carries its one record type, and the record key must be its
        ``match_id`` (``policy.refusal``); anything else raises (the caller dead-letters it) and
        changes nothing. ``ts_ms``, the record's log timestamp, is kept as the state's
        ``last_ms``: retention forgets a match's sharing state once nothing touched it for the
        period. A None state means: keep what there is."""
        owner = self.topics.fiu_of_consent(topic)
        if owner is None and topic != self.topics.matches:
            raise DecodeError(f"{topic} is neither the matches topic nor a consent topic")
        _, rec = self.codec.decode(value, expect="Match" if owner is None else "ConsentAnswer")
        refused = refusal(owner, key, rec)
        if refused is not None:
            raise ValidationError([refused])
        if owner is None:
            new_state, outcome = decide(state, rec, self.policy, utcnow())
        else:
            new_state, outcome = answer_consent(state, rec, self.policy, utcnow())
        if new_state is not None:
            touch(new_state, ts_ms)
        return new_state, self._outcome(outcome)

    def _outcome(self, outcome: Outcome) -> Out:
        out: Out = [
            (
                self.topics.notification(n["recipient_fiu"]),
                n["notification_id"].encode(),
                self.codec.encode("Notification", n, check=False),
            )
            for n in outcome.notifications
        ]
        out.extend(
            (self.topics.audit, a["decision_id"].encode(), self.codec.encode("AuditDecision", a, check=False))
            for a in outcome.audit
        )
        return out
