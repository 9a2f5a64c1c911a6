"""The worker's per-record steps, free of Faust: bytes in, (topic, key, value) out.

Each agent is a loop over its stream calling one of these; tests and the batch/replay mode call
them directly. They decode, call the pure core, encode. A record that cannot be processed becomes
a DeadLetter naming topic/partition/offset, the field and the reason; nothing here raises.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from streams.app.link_steps import Keyed, LinkSteps
from streams.codec.avro import Codec
from streams.core.clock import utcnow
from streams.core.correlate import CorrelationRules, Store, step, touch
from streams.core.entities import EntityEncoder
from streams.core.extract import identifiers_with_fields
from streams.core.fuzzy import postings_of
from streams.core.policy import Outcome, SharingPolicy, answer_consent, decide, refusal
from streams.core.sanctions.lists import Listing, listings_from_record
from streams.core.sanctions.screen import apply_watch, screen_sighting
from streams.core.sightings import HEADER, Sighted, route, sighted, sightings_of, split, wrong_feed
from streams.core.tokens import Tokenizer
from streams.core.validate import validate_report
from streams.errors import DecodeError, ValidationError
from streams.topics import Topics

#: one record to send: topic, key, value (None: a tombstone), partition (None: the producer's
#: partitioner picks it by key, as ``send`` would)
Send = tuple[str, bytes, bytes | None, int | None]
MAX_PAYLOAD = 64 * 1024
MAX_LISTED = 20  # identifier problems named in a report's one dead letter


class Steps(LinkSteps):
    def __init__(
        self,
        codec: Codec,
        tokenizer: Tokenizer,
        policy: SharingPolicy,
        rules: CorrelationRules,
        topics: Topics,
        partitions: int = 1,
        encoder: EntityEncoder | None = None,
    ) -> None:
        self.encoder = encoder  # None: no fuzzy links (exact tokens only)
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
    ) -> Send:
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
        return self.topics.dead_letter, source.encode(), self.codec.encode("DeadLetter", rec), None

    # -- ingest: report -> sightings -----------------------------------------------------------
    def read(
        self, topic: str, partition: int, offset: int, ts_ms: int, value: bytes | None
    ) -> tuple[Sighted | None, list[Send]]:
        """Decode, validate, normalise and tokenise one report: (its tokens, dead letters)."""
        sighted, _, out = self.read_all(topic, partition, offset, ts_ms, value)
        return sighted, out

    def read_all(
        self, topic: str, partition: int, offset: int, ts_ms: int, value: bytes | None
    ) -> tuple[Sighted | None, list[Keyed], list[Send]]:
        """``read``, and the report's encoded subjects under their blocking keys (``encoder``)."""
        try:
            _, report = self.codec.decode(value or b"", expect="StrReport")
        except DecodeError as exc:
            return None, [], [self.dead_letter(topic, partition, offset, value, str(exc))]
        feed_fiu = self.topics.fiu_of_feed(topic)
        record, problems = validate_report(report)
        if record is None:
            field, why = problems[0]
            reason = "; ".join(f"{p}: {w}" for p, w in problems)
            return None, [], [self.dead_letter(topic, partition, offset, value, reason, field)]
        reason = wrong_feed(record, feed_fiu)
        if reason is not None:
            return None, [], [self.dead_letter(topic, partition, offset, value, reason, "fiu")]
        found, out = self._tokens(record, topic, partition, offset, ts_ms)
        keyed: list[Keyed] = []
        if self.encoder is not None:
            keyed, left = postings_of(record, self.encoder, ts_ms)
            if left:  # the report's other subjects and its identifiers still match
                listed = "; ".join(f"{f}: {w}" for f, w in left[:MAX_LISTED])
                reason = f"report {record['report_id']}: names left out of fuzzy matching: {listed}"
                out.append(self.dead_letter(topic, partition, offset, None, reason, left[0][0], "subject"))
        return found, keyed, out

    def _tokens(
        self, record: dict[str, Any], topic: str, partition: int, offset: int, ts_ms: int
    ) -> tuple[Sighted | None, list[Send]]:
        found, bad = identifiers_with_fields(record)
        out: list[Send] = []
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

    def sighting_batches(self, reports: Iterable[Sighted]) -> list[Send]:
        """SightingBatch messages, one per sightings partition (more if large); the key is the
        batch's first token and the partition is the one every token of it routes to."""
        out: list[Send] = []
        for batch in split(reports, self.partitions):
            first = batch[0]["tokens"][0]["token"]
            value = self.codec.encode("SightingBatch", {"reports": batch}, check=False)
            out.append((self.topics.sightings, first.encode(), value, route(first, self.partitions)))
        return out

    def partition_of(self, key: bytes) -> int:
        """Where a sightings message goes: every token of it routes there (``route``)."""
        return route(key.decode(), self.partitions)

    def ingest(self, topic: str, partition: int, offset: int, ts_ms: int, value: bytes | None) -> list[Send]:
        """One report -> its dead letters and SightingBatch messages (the worker batches many)."""
        sighted, keyed, out = self.read_all(topic, partition, offset, ts_ms, value)
        return out + self.sighting_batches([sighted] if sighted else []) + self.subject_batches(keyed)

    # -- correlate: sightings x state -> matches -----------------------------------------------
    def correlate(
        self, store: Store, value: bytes, topic: str = "", partition: int = 0, offset: int = 0
    ) -> list[Send]:
        """Every sighting of a SightingBatch against its token's state in ``store`` (a Faust table
        partition in the worker, a dict in replay). An unreadable batch raises DecodeError (the
        caller dead-letters the message); a sighting that fails is dead-lettered on its own."""
        _, batch = self.codec.decode(value, expect="SightingBatch")
        now = utcnow()
        out: list[Send] = []
        for s in sightings_of(batch):
            try:
                state, matches = step(store.get(s["token"]), s, self.rules, now)
                if state is not None:
                    store[s["token"]] = state  # reassign: a Faust table only logs a set
                screened = screen_sighting(store, s, now, self.policy.version)
            except (KeyError, TypeError, ValueError, AttributeError) as exc:  # the record, not the store:
                # one bad sighting must not sink its batch (a store/Faust failure propagates)
                one = {**{k: s[k] for k in HEADER}, "tokens": [{"kind": s["kind"], "token": s["token"]}]}
                payload = self.codec.encode("SightingBatch", {"reports": [one]}, check=False)
                reason = f"report {s['fiu']}/{s['report_id']}: {type(exc).__name__}: {exc}"
                out.append(self.dead_letter(topic, partition, offset, payload, reason, "token", "correlate"))
                continue
            out.extend(
                (
                    self.topics.matches,
                    m["match_id"].encode(),
                    self.codec.encode("Match", m, check=False),
                    None,
                )
                for m in matches
            )
            out.extend(self._outcome(Outcome(screened.notifications, screened.audit)))
        return out

    # -- watch: a watchlist record x the token's state -> sanctions hits ------------------------
    def watch(
        self, store: Store, key: bytes | None, value: bytes | None, partition: int, ts_ms: int = 0
    ) -> list[Send]:
        """A watchlist record (a tombstone: the wallet is delisted) stored beside its token's
        state, and a ``sanctions_hit`` for every report that state holds. A record that is not
        a WatchlistEntry for its key, or sits on another partition than its token's sightings,
        raises (the caller dead-letters it)."""
        token = (key or b"").decode("utf-8", "replace")
        if not token:
            raise ValidationError([("token", "a watchlist record without a token key")])
        home = route(token, self.partitions)
        if home != partition:
            why = f"on partition {partition}, its token's sightings on {home}: load with `fiulink sanctions load`"
            raise ValidationError([("token", why)])
        listings: tuple[Listing, ...] = ()
        if value is not None:
            _, rec = self.codec.decode(value, expect="WatchlistEntry")
            if rec["token"] != token:
                raise ValidationError([("token", "the record's token is not its key")])
            listings = listings_from_record(rec)
        screened = apply_watch(store, token, listings, utcnow(), ts_ms, self.policy.version)
        return self._outcome(Outcome(screened.notifications, screened.audit))

    # -- notify: match or consent answer x state -> notifications + audit ----------------------
    def notify(
        self, state: dict[str, Any] | None, value: bytes, topic: str, key: str, ts_ms: int = 0
    ) -> tuple[dict[str, Any] | None, list[Send]]:
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

    def _outcome(self, outcome: Outcome) -> list[Send]:
        out: list[Send] = [
            (
                self.topics.notification(n["recipient_fiu"]),
                n["notification_id"].encode(),
                self.codec.encode("Notification", n, check=False),
                None,
            )
            for n in outcome.notifications
        ]
        out.extend(
            (
                self.topics.audit,
                a["decision_id"].encode(),
                self.codec.encode("AuditDecision", a, check=False),
                None,
            )
            for a in outcome.audit
        )
        return out
