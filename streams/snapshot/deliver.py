"""``fiulink deliver``: POST each notification of one FIU to its case system, at least once.

A consumer group (default ``fiulink-deliver-<FIU>``) reads ``fiulink.notifications.<FIU>`` from
where it left off (from the beginning the first time). Each notification is sent as JSON with
``Idempotency-Key: <notification_id>`` and retried with exponential backoff until a 2xx; the
group's offset moves past a notification only after its 2xx, so a crash redelivers, never
skips. The case system dedupes by the key.
"""

from __future__ import annotations

import json
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TextIO

from streams.codec import codec
from streams.config import Settings
from streams.errors import DecodeError, FiulinkError
from streams.kafka.clients import consumer
from streams.kafka.topics import existing_topics

Post = Callable[[str, bytes, str], int]


@dataclass(frozen=True)
class Backoff:
    """Delay before retry n (1-based): base * 2**(n-1), capped."""

    base: float = 0.5
    cap: float = 30.0
    max_attempts: int = 0  # 0: retry until it works (or the process is stopped)

    def delay(self, attempt: int) -> float:
        return float(min(self.cap, self.base * 2 ** (attempt - 1)))


@dataclass
class DeliveryStats:
    delivered: int = 0
    failed_attempts: int = 0
    undecodable: int = 0


class DeliveryError(FiulinkError):
    """A notification could not be delivered within the allowed attempts."""


def http_post(url: str, body: bytes, key: str, timeout: float = 10.0) -> int:
    """POST JSON; return the HTTP status (0 when no answer came: refused, timeout, DNS...)."""
    req = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "Idempotency-Key": key, "User-Agent": "fiulink-deliver"},
    )
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - the operator's own URL
            resp.read()
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except (urllib.error.URLError, OSError):
        return 0


class Deliverer:
    def __init__(
        self,
        settings: Settings,
        fiu: str,
        url: str,
        *,
        group: str | None = None,
        backoff: Backoff = Backoff(),  # noqa: B008 - frozen
        post: Post = http_post,
        err: TextIO = sys.stderr,
        stop: threading.Event | None = None,
    ) -> None:
        if not url.startswith(("http://", "https://")):
            raise FiulinkError(f"not an HTTP URL: {url!r}", hint="give --url http://host:port/path")
        self.settings = settings
        self.topic = settings.topics.notification(fiu)
        self.group = group or f"fiulink-deliver-{fiu}"
        self.url = url
        self.backoff = backoff
        self.post = post
        self.err = err
        self.stop = stop or threading.Event()
        self.stats = DeliveryStats()

    def say(self, text: str) -> None:
        print(f"deliver: {text}", file=self.err, flush=True)

    def run(self, idle_timeout: float | None = None) -> DeliveryStats:
        if self.topic not in existing_topics(self.settings):
            raise FiulinkError(
                f"no such topic: {self.topic}", hint="is the FIU in the policy? `fiulink topics list`"
            )
        c = consumer(self.settings, group_id=self.group, auto_offset_reset="earliest",
                     client_id="fiulink-deliver")  # fmt: skip
        c.subscribe([self.topic])
        self.say(f"{self.topic} -> {self.url} (group {self.group})")
        last = time.monotonic()
        try:
            while not self.stop.is_set():
                batch = c.poll(timeout_ms=500, max_records=500)
                for tp, msgs in batch.items():
                    for m in msgs:
                        if self.stop.is_set() or not self._deliver(m):
                            return self.stats  # stopped mid-batch: the undelivered stay uncommitted
                        self._commit(c, tp, m.offset + 1)
                if batch:
                    last = time.monotonic()  # idle means no new record, not a slow case system
                if idle_timeout is not None and time.monotonic() - last >= idle_timeout:
                    break
        finally:
            c.close(autocommit=False)
            self.say(
                f"{self.stats.delivered} delivered, {self.stats.failed_attempts} failed attempt(s), "
                f"{self.stats.undecodable} undecodable skipped"
            )
        return self.stats

    def _commit(self, c: Any, tp: Any, next_offset: int) -> None:
        """Commit past a delivered notification. A failed commit (the group rebalanced while we
        waited on the case system) only means it may be delivered again: at least once."""
        from kafka.errors import KafkaError
        from kafka.structs import OffsetAndMetadata

        try:
            c.commit({tp: OffsetAndMetadata(next_offset, "", -1)})
        except KafkaError as exc:
            self.say(
                f"commit of {tp.topic}/{tp.partition}@{next_offset} failed ({exc}); it may be redelivered"
            )

    def _deliver(self, m: Any) -> bool:
        """POST one message until a 2xx. False if stopped first; DeliveryError past max_attempts."""
        where = f"{m.topic}/{m.partition}/{m.offset}"
        try:
            _, record = codec().decode(m.value, expect="Notification")
        except DecodeError as exc:
            self.stats.undecodable += 1
            self.say(f"{where}: cannot decode, skipped: {exc}")
            return True
        key = record["notification_id"]
        body = json.dumps(record, ensure_ascii=False).encode()
        attempt = 0
        while True:
            attempt += 1
            status = self.post(self.url, body, key)
            if 200 <= status < 300:
                self.stats.delivered += 1
                if self.stats.delivered % 1000 == 0:
                    self.say(f"{self.stats.delivered} delivered")
                return True
            self.stats.failed_attempts += 1
            answer = f"HTTP {status}" if status else "no answer"
            if self.backoff.max_attempts and attempt >= self.backoff.max_attempts:
                raise DeliveryError(
                    f"{key} ({where}) not delivered after {attempt} attempts: {answer}",
                    hint="it stays uncommitted: the next `fiulink deliver` run starts with it",
                )
            delay = self.backoff.delay(attempt)
            self.say(f"{key} ({where}): {answer}, attempt {attempt}; retrying in {delay:.2f}s")
            if self.stop.wait(delay):
                return False
