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

    def all(self, fius: Iterable[str], partitions: int) -> dict[str, int]:
        topics = {t: partitions for t in (self.sightings, self.matches, self.audit)}
        topics[self.dead_letter] = 1
        for f in fius:
            topics[self.feed(f)] = partitions
            topics[self.notification(f)] = partitions
            topics[self.consent(f)] = partitions
        return topics
