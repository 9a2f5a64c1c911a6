"""``fiulink deliver``: POST each notification of one FIU to its case system, at least once,
and each notification id once.

A consumer group (default ``fiulink-<FIU>-deliver``, inside the ``fiulink-<FIU>-`` prefix an FIU
may use on the secure broker) reads ``fiulink.notifications.<FIU>`` from where it left off (from
the beginning the first time). Each notification is sent as JSON with ``Idempotency-Key:
<notification_id>``, the operator's extra headers and, with a secret, ``X-Fiulink-Signature:
sha256=<hex HMAC-SHA256(secret, body)>``.

Retry policy (``Backoff``): no answer (refused, DNS, TLS, timeout), 408, 425, 429 and 5xx are
retried after 0.5 s, 1 s, 2 s ... capped at 30 s, at most 8 attempts by default (about a
minute); any other answer that is not a 2xx (400, 401, 404 ...) will not get better and stops at
once. Giving up exits 1 without committing: the next run starts with that notification. Every
failed attempt is logged with its reason (the HTTP status line, or what went wrong on the way).

Each delivered id is appended (and fsynced) to ``$FIULINK_HOME/deliver/<group>.delivered``
before the group's offset moves past it, so a notification id repeated on the topic (the hub is
at-least-once) or a record read again after a crash is not POSTed a second time. A crash between
the 2xx and that append is the one case that redelivers (same Idempotency-Key). Delete the file
to deliver everything again; it grows by one line per notification.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import socket
import ssl
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from streams.codec import codec
from streams.config import Settings
from streams.errors import DecodeError, FiulinkError, InputError, KafkaAccessError
from streams.kafka.clients import consumer
from streams.kafka.topics import existing_topics

SIGNATURE_HEADER = "X-Fiulink-Signature"
RETRYABLE = frozenset({408, 425, 429})


@dataclass(frozen=True)
class Answer:
    """What one POST got: the HTTP status (0: no HTTP answer) and why, in words."""

    status: int
    reason: str

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def retryable(self) -> bool:
        return self.status == 0 or self.status in RETRYABLE or self.status >= 500


Post = Callable[[str, bytes, Mapping[str, str]], Answer]


@dataclass(frozen=True)
class Backoff:
    """Delay before retry n (1-based): base * 2**(n-1), capped; at most ``max_attempts`` tries."""

    base: float = 0.5
    cap: float = 30.0
    max_attempts: int = 8  # 0: retry until it works (or the process is stopped)

    def delay(self, attempt: int) -> float:
        return float(min(self.cap, self.base * 2 ** (attempt - 1)))


@dataclass
class DeliveryStats:
    delivered: int = 0
    already_delivered: int = 0
    failed_attempts: int = 0
    undecodable: int = 0


class DeliveryError(FiulinkError):
    """A notification could not be delivered within the allowed attempts."""


def sign(secret: bytes, body: bytes) -> str:
    """The signature header's value: ``sha256=`` + hex HMAC-SHA256 of the exact body bytes."""
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def parse_header(text: str) -> tuple[str, str]:
    """``'Name: value'`` -> (name, value); a ``FiulinkError`` for anything else."""
    name, sep, value = text.partition(":")
    name = name.strip()
    if not sep or not re.fullmatch(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+", name) or "\n" in value or "\r" in value:
        raise InputError(f"not a header {text!r}: give --header 'Name: value'")
    return name, value.strip()


def _why(exc: BaseException, url: str, timeout: float) -> str:
    """A failed request's cause in words: DNS, TLS, refused, timeout..."""
    reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    host = urllib.parse.urlsplit(url).hostname
    if isinstance(reason, socket.gaierror):
        return f"DNS lookup of {host} failed: {reason.strerror or reason}"
    if isinstance(reason, ssl.SSLCertVerificationError):
        return f"TLS: certificate of {host} not accepted: {reason.verify_message or reason}"
    if isinstance(reason, ssl.SSLError):
        return f"TLS: {reason.reason or reason}"
    if isinstance(reason, ConnectionRefusedError):
        return f"connection refused by {host}"
    if isinstance(reason, ConnectionResetError):
        return f"connection reset by {host}"
    if isinstance(reason, TimeoutError | socket.timeout):
        return f"no answer from {host} within {timeout:g}s"
    return f"{type(reason).__name__}: {reason}"


def http_post(url: str, body: bytes, headers: Mapping[str, str], timeout: float = 10.0) -> Answer:
    """POST JSON; the answer's status (0 when no HTTP answer came) and its reason."""
    req = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "User-Agent": "fiulink-deliver", **headers},
    )
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - the operator's own URL
            resp.read()
            return Answer(int(resp.status), f"HTTP {resp.status} {resp.reason}")
    except urllib.error.HTTPError as exc:
        return Answer(int(exc.code), f"HTTP {exc.code} {exc.reason}")
    except (urllib.error.URLError, OSError) as exc:
        return Answer(0, _why(exc, url, timeout))


@dataclass
class DeliveredIds:
    """Ids already delivered, one a line in a file, appended and fsynced one by one."""

    path: Path
    ids: set[str] = field(default_factory=set)

    def load(self) -> DeliveredIds:
        self.ids = set(self.path.read_text().split()) if self.path.exists() else set()
        return self

    def __contains__(self, nid: str) -> bool:
        return nid in self.ids

    def add(self, nid: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a") as f:
            f.write(nid + "\n")
            f.flush()
            os.fsync(f.fileno())
        self.ids.add(nid)


def default_group(settings: Settings, fiu: str) -> str:
    """``fiulink-<FIU>-deliver``: inside the group prefix the FIU's ACLs allow."""
    from streams.kafka.secure import group_prefix

    return f"{group_prefix(settings, fiu)}deliver"


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
        headers: Mapping[str, str] | None = None,
        secret: bytes | None = None,
        err: TextIO = sys.stderr,
        stop: threading.Event | None = None,
    ) -> None:
        if not url.startswith(("http://", "https://")):
            raise InputError(f"not an HTTP URL: {url!r}", hint="give --url http://host:port/path")
        self.settings = settings
        self.topic = settings.topics.notification(fiu)
        self.fiu = fiu
        self.group = group or default_group(settings, fiu)
        self.url = url
        self.headers = dict(headers or {})
        self.secret = secret
        safe = re.sub(r"[^A-Za-z0-9._-]", "_", self.group)
        self.delivered = DeliveredIds(settings.home / "deliver" / f"{safe}.delivered")
        self.backoff = backoff
        self.post = post
        self.err = err
        self.stop = stop or threading.Event()
        self.stats = DeliveryStats()

    def say(self, text: str) -> None:
        print(f"deliver: {text}", file=self.err, flush=True)

    def run(self, idle_timeout: float | None = None) -> DeliveryStats:
        if self.topic not in existing_topics(self.settings):
            raise KafkaAccessError(
                f"no such topic: {self.topic}: is {self.fiu} an FIU of the policy (`fiulink topics list`)?"
            )
        self.delivered.load()
        c = consumer(self.settings, group_id=self.group, auto_offset_reset="earliest",
                     client_id="fiulink-deliver")  # fmt: skip
        c.subscribe([self.topic])
        self.say(f"{self.topic} -> {self.url} (group {self.group}, delivered ids in {self.delivered.path})")
        last = time.monotonic()
        try:
            while not self.stop.is_set():
                batch = self._poll(c)
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
                f"{self.stats.delivered} delivered, {self.stats.already_delivered} already delivered "
                f"before (not sent again), {self.stats.failed_attempts} failed attempt(s), "
                f"{self.stats.undecodable} undecodable skipped"
            )
        return self.stats

    def _poll(self, c: Any) -> Any:
        """One poll; an authorisation refusal becomes one line that says what is allowed."""
        from kafka.errors import GroupAuthorizationFailedError, TopicAuthorizationFailedError

        try:
            return c.poll(timeout_ms=500, max_records=500)
        except GroupAuthorizationFailedError as exc:
            from streams.kafka.secure import group_prefix

            raise KafkaAccessError(
                f"not allowed to use consumer group {self.group!r}: on the secure broker {self.fiu} may "
                f"use only groups starting with {group_prefix(self.settings, self.fiu)!r} (the default "
                f"is {default_group(self.settings, self.fiu)!r})"
            ) from exc
        except TopicAuthorizationFailedError as exc:
            raise KafkaAccessError(
                f"not allowed to read {self.topic}: log in as {self.fiu} (FIULINK_SASL_USERNAME)"
            ) from exc

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
        if key in self.delivered:
            self.stats.already_delivered += 1
            return True
        body = json.dumps(record, ensure_ascii=False).encode()
        headers = {**self.headers, "Idempotency-Key": key}
        if self.secret is not None:
            headers[SIGNATURE_HEADER] = sign(self.secret, body)
        attempt = 0
        while True:
            attempt += 1
            answer = self.post(self.url, body, headers)
            if answer.ok:
                self.delivered.add(key)
                self.stats.delivered += 1
                if self.stats.delivered % 1000 == 0:
                    self.say(f"{self.stats.delivered} delivered")
                return True
            self.stats.failed_attempts += 1
            if not answer.retryable:
                raise DeliveryError(
                    f"{key} ({where}) refused by the case system: {answer.reason} (not retried: "
                    "check --url, --secret and --header); it stays undelivered and uncommitted"
                )
            if self.backoff.max_attempts and attempt >= self.backoff.max_attempts:
                raise DeliveryError(
                    f"{key} ({where}) not delivered after {attempt} attempts: {answer.reason}; "
                    "it stays uncommitted: the next `fiulink deliver` run starts with it"
                )
            delay = self.backoff.delay(attempt)
            self.say(f"{key} ({where}): {answer.reason}, attempt {attempt}; retrying in {delay:.2f}s")
            if self.stop.wait(delay):
                return False
