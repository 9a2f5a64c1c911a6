"""Every topic name the hub uses, under one prefix: pure naming, no Kafka client involved
(creating them is ``streams.kafka.topics``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Topics:
    """Every topic name, under one prefix (``fiulink.`` in production; tests use a unique one)."""

    prefix: str = "fiulink."

    @property
    def reports(self) -> str:
        return f"{self.prefix}reports."

    @property
    def notifications(self) -> str:
        return f"{self.prefix}notifications."

    @property
    def sightings(self) -> str:
        return f"{self.prefix}sightings"

    @property
    def matches(self) -> str:
        return f"{self.prefix}matches"

    @property
    def consents(self) -> str:
        """Prefix of the per-FIU consent topics: an FIU answers for itself and nobody else."""
        return f"{self.prefix}consents."

    @property
    def audit(self) -> str:
        return f"{self.prefix}audit"

    @property
    def dead_letter(self) -> str:
        return f"{self.prefix}dead-letter"

    @property
    def watchlist(self) -> str:
        """Sanctions-list listings per wallet token (compacted, co-partitioned with tokens)."""
        return f"{self.prefix}watchlist"

    @property
    def subjects(self) -> str:
        """Encoded subjects keyed by blocking key (co-partitioned with the ``postings`` table)."""
        return f"{self.prefix}subjects"

    def dead_letters_of(self, fiu: str) -> str:
        """An FIU's copy of the dead letters of what it sent (its feed, its consent answers):
        readable under its ACLs, where the hub's own dead-letter topic is not."""
        return f"{self.dead_letter}.{fiu}"

    def feed(self, fiu: str) -> str:
        return f"{self.reports}{fiu}"

    def notification(self, fiu: str) -> str:
        return f"{self.notifications}{fiu}"

    def consent(self, fiu: str) -> str:
        return f"{self.consents}{fiu}"

    def fiu_of_feed(self, topic: str) -> str | None:
        return topic[len(self.reports) :] if topic.startswith(self.reports) else None

    def fiu_of_consent(self, topic: str) -> str | None:
        return topic[len(self.consents) :] if topic.startswith(self.consents) else None

    def sender_of(self, source: str) -> str | None:
        """The FIU that wrote the record a dead letter's ``source`` (topic/partition/offset)
        names, or None for the hub's own topics."""
        topic = source.rsplit("/", 2)[0]
        return self.fiu_of_feed(topic) or self.fiu_of_consent(topic)

    def all(self, fius: Iterable[str], partitions: int) -> dict[str, int]:
        topics = {
            t: partitions for t in (self.sightings, self.matches, self.audit, self.watchlist, self.subjects)
        }
        topics[self.dead_letter] = 1
        for f in fius:
            topics[self.feed(f)] = partitions
            topics[self.notification(f)] = partitions
            topics[self.consent(f)] = partitions
            topics[self.dead_letters_of(f)] = 1
        return topics
