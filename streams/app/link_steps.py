"""The worker's fuzzy-link steps (``Steps`` has them): encoded subjects out of ingest by blocking
key, and the link step that files them and scores them against what each key holds.

Free of Faust like the other steps: bytes in, (topic, key, value, partition) out; a record that
cannot be processed becomes a dead letter naming topic/partition/offset and the reason.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from streams.codec.avro import Codec
from streams.core.clock import utcnow
from streams.core.correlate import CorrelationRules
from streams.core.entities import EntityEncoder
from streams.core.fuzzy import (
    DEFAULT_FLOOR,
    PostingsStore,
    checked_posting,
    file_subject,
    link_all,
    postings_full,
)
from streams.core.policy import SharingPolicy
from streams.core.records import AuditDecision, SubjectPosting
from streams.core.sightings import route
from streams.errors import FiulinkError
from streams.topics import Topics

if TYPE_CHECKING:
    from streams.app.steps import Send

MAX_ENTRIES = 1000  # keyed subjects per SubjectBatch message
Keyed = tuple[str, SubjectPosting]  # a blocking key and an encoded subject filed under it


class LinkSteps:
    """Mixed into ``Steps``, which sets these attributes and ``dead_letter``."""

    codec: Codec
    encoder: EntityEncoder | None
    partitions: int
    policy: SharingPolicy
    rules: CorrelationRules
    topics: Topics

    dead_letter: Callable[..., Send]  # Steps.dead_letter: one DeadLetter message

    def subject_batches(self, keyed: Iterable[Keyed]) -> list[Send]:
        """SubjectBatch messages, one per subjects partition (more if large): each entry on the
        partition of its blocking key (``route``), where the ``postings`` table keeps that key."""
        parts: dict[int, list[dict[str, Any]]] = {}
        raw: dict[str, bytes] = {}  # a subject's encoding, decoded once for all its keys
        for key, p in keyed:
            encoding = raw.get(p["encoding"])
            if encoding is None:
                encoding = raw[p["encoding"]] = base64.b64decode(p["encoding"])
            entry = {**p, "key": key, "encoding": encoding}
            parts.setdefault(route(key, self.partitions), []).append(entry)
        out: list[Send] = []
        for partition in sorted(parts):
            entries = parts[partition]
            for i in range(0, len(entries), MAX_ENTRIES):
                chunk = entries[i : i + MAX_ENTRIES]
                value = self.codec.encode("SubjectBatch", {"entries": chunk}, check=False)
                out.append((self.topics.subjects, chunk[0]["key"].encode(), value, partition))
        return out

    # -- link: encoded subjects x postings -> fuzzy matches -----------------------------------
    def link(
        self, store: PostingsStore, value: bytes, topic: str = "", partition: int = 0, offset: int = 0
    ) -> list[Send]:
        """Every entry of a SubjectBatch filed under its blocking key in ``store`` (a Faust table
        partition in the worker, a dict in replay) and scored against what the key held: fuzzy
        Matches. An unreadable batch raises DecodeError (the caller dead-letters the message);
        an entry that is not an encoding of ours, or sits on another partition than its key's,
        is dead-lettered on its own."""
        _, batch = self.codec.decode(value, expect="SubjectBatch")
        now = utcnow()
        out: list[Send] = []
        met: list[tuple[SubjectPosting, list[SubjectPosting]]] = []
        for e in batch["entries"]:
            try:
                posting = checked_posting(e, self.encoder, partition, self.partitions)
                found = file_subject(store, e["key"], posting, retention_ms=self.rules.retention_ms)
            except FiulinkError as exc:
                one = self.codec.encode("SubjectBatch", {"entries": [e]}, check=False)
                reason = f"report {e['fiu']}/{e['report_id']} subjects[{e['subject']}]: {exc}"
                out.append(self.dead_letter(topic, partition, offset, one, reason, "encoding", "link"))
                continue
            met.append((posting, found.candidates))
            if found.saturated:
                out.append(self._audit(postings_full(e, self.policy.version, now)))
        for m in link_all(met, DEFAULT_FLOOR, now):  # one comparison for the whole batch
            out.append(
                (
                    self.topics.matches,
                    m["match_id"].encode(),
                    self.codec.encode("Match", m, check=False),
                    None,
                )
            )
        return out

    def _audit(self, a: AuditDecision) -> Send:
        return (
            self.topics.audit,
            a["decision_id"].encode(),
            self.codec.encode("AuditDecision", a, check=False),
            None,
        )
