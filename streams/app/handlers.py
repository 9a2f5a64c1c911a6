"""The worker's three batch handlers, free of Faust's app: a list of events in, the records to
send out (``Send``: topic, key, value, partition or None).

An event is what Faust's ``take_events`` yields (``.key``, ``.value`` and ``.message`` with
``topic``, ``partition``, ``offset``, ``timestamp``); the unit tests drive the handlers with
plain stand-ins, no broker. A record that cannot be processed becomes a dead letter naming
topic/partition/offset and the reason, and the batch carries on (``guarded``). A Faust failure
is the framework's, not the record's: crash-only (``streams.app.crash``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from faust.exceptions import FaustError

from streams.app.batches import pending, rejected
from streams.app.crash import crash
from streams.app.ingest import ingest_records
from streams.app.state import BatchTable
from streams.app.steps import Send, Steps
from streams.errors import FiulinkError
from streams.topics import Topics

log = logging.getLogger("fiulink.worker")


def where(event: Any) -> tuple[str, int, int]:
    """An event's topic, partition and offset."""
    m = event.message
    return m.topic, m.partition, m.offset


def timestamp_ms(event: Any) -> int:
    return int((event.message.timestamp or 0) * 1000)


def with_senders_copies(sends: list[Send], topics: Topics, fius: tuple[str, ...]) -> list[Send]:
    """``sends`` plus, for each dead letter of a record an FIU wrote, a copy on that FIU's own
    dead-letter topic (``Topics.dead_letters_of``): it learns what the hub left out of its reports."""
    copies: list[Send] = []
    for topic, key, value, _ in sends:
        if topic == topics.dead_letter:
            fiu = topics.sender_of(key.decode("utf-8", "replace"))
            if fiu in fius:
                copies.append((topics.dead_letters_of(fiu), key, value, None))
    return sends + copies if copies else sends


class BatchHandlers:
    """``ingest``, ``correlate`` and ``notify`` over batches of events. ``tokens`` and ``links``
    are the worker's tables (``BatchTable``): each handler returns their changelog records with
    its other output, so one send covers both."""

    def __init__(
        self, steps: Steps, tokens: BatchTable, links: BatchTable, postings: BatchTable | None = None
    ) -> None:
        self.steps = steps
        self.tokens = tokens
        self.links = links
        self.postings = postings  # blocking key -> encoded subjects (fuzzy links)

    def ingest(self, events: list[Any]) -> list[Send]:
        """Reports -> dead letters, and the batch's sightings as one message per partition."""
        events, dead = self.refused(events, "ingest")
        records = [(*where(e), timestamp_ms(e), e.value) for e in events]
        return self.copied(dead + ingest_records(self.steps, records))

    def correlate(self, events: list[Any]) -> list[Send]:
        """Sighting batches against the ``tokens`` table -> matches."""
        out: list[Send] = []
        for event in events:
            store = self.tokens.at(event.message.partition)  # the key's store and changelog partition
            if event.message.topic == self.steps.topics.watchlist:  # sanctions listings of a token
                out += self.guarded(
                    "watch",
                    event,
                    lambda e, store=store: self.steps.watch(
                        store, e.key, e.value, e.message.partition, timestamp_ms(e)
                    ),
                )
            else:
                out += self.guarded(
                    "correlate", event, lambda e, store=store: self.steps.correlate(store, e.value, *where(e))
                )
        return self.tokens.changelog() + self.copied(out)

    def link(self, events: list[Any]) -> list[Send]:
        """Encoded subjects against the ``postings`` table (by blocking key) -> fuzzy matches."""
        assert self.postings is not None, "link needs the postings table"
        events, out = self.refused(events, "link")
        for event in events:
            store = self.postings.at(event.message.partition)
            out += self.guarded(
                "link", event, lambda e, store=store: self.steps.link(store, e.value, *where(e))
            )
        return self.postings.changelog() + self.copied(out)

    def notify(self, events: list[Any]) -> list[Send]:
        """Matches and consent answers against the ``links`` table -> notifications and audit."""
        events, out = self.refused(events, "notify")
        for event in events:
            out += self.guarded("notify", event, self.notify_one)
        return self.links.changelog() + self.copied(out)

    def copied(self, sends: list[Send]) -> list[Send]:
        return with_senders_copies(sends, self.steps.topics, self.steps.policy.fius)

    def notify_one(self, event: Any) -> list[Send]:
        key = (event.key or b"").decode("utf-8", "replace")
        links = self.links.at(event.message.partition)
        state, emitted = self.steps.notify(
            links.get(key), event.value, event.message.topic, key, timestamp_ms(event)
        )
        if state is not None:
            links[key] = state
        return emitted

    def refused(self, events: list[Any], stage: str) -> tuple[list[Any], list[Send]]:
        """The events to process, and the dead letters of refused batches' stand-ins
        (``streams.app.batches``)."""
        if not pending():
            return events, []
        kept: list[Any] = []
        dead: list[Send] = []
        for e in events:
            reason = rejected(*where(e))
            if reason is None:
                kept.append(e)
            else:
                dead.append(self.steps.dead_letter(*where(e), None, reason, stage=stage))
        return kept, dead

    def guarded(self, stage: str, event: Any, fn: Callable[[Any], list[Send]]) -> list[Send]:
        """``fn(event)``, or for a record we cannot process, its dead letter: the worker carries
        on. A Faust failure is the framework, not the record: crash-only, commit nothing
        (re-raising out of take_events would ack the rest of the batch unprocessed)."""
        try:
            return fn(event)
        except FaustError:
            crash("%s: Faust failed; exiting so a supervisor restarts the worker", stage, with_traceback=True)
        except Exception as exc:
            topic, partition, offset = where(event)
            if isinstance(exc, FiulinkError):  # the record's fault, named in its dead letter
                log.warning("%s: %s/%s/%s dead-lettered: %s", stage, topic, partition, offset, exc)
            else:
                log.exception("%s failed on %s/%s/%s", stage, topic, partition, offset)
            reason = f"{type(exc).__name__}: {exc}"
            return [self.steps.dead_letter(topic, partition, offset, event.value, reason, stage=stage)]
