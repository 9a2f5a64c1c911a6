"""``fiulink publish``: JSON Lines -> checked StrReport records -> each report's FIU feed.

Every line read is either published or rejected (published + rejected = lines read). Before
anything leaves, each line gets the checks the hub's worker runs (``streams.feed_check``): errors
reject it, warnings (an identifier that fails validation, an unknown key) are reported and the
report is still published, as the hub still matches its other identifiers; ``strict`` rejects
those too. Each problem is named on stderr as ``file:line: field.path: reason`` and kept, with
the line, beside the input: a rejected line in ``<file>.rejects.jsonl`` (rejected raw data
stays with the FIU), a published one with warnings in ``<file>.warnings.jsonl``. Both files are
written even when stderr is gone, and even when publishing stops half-way. A file that begins
with ``[`` (a JSON array) is refused whole, saying so once.
"""

from __future__ import annotations

import contextlib
import json
import re
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from streams.app import framework
from streams.codec import codec
from streams.config import Settings
from streams.core.at_source import tokenize_at_source
from streams.core.tokens import Tokenizer
from streams.feed_check import JSON_ARRAY, check_line
from streams.kafka.clients import producer
from streams.kafka.topics import existing_topics

Problems = list[tuple[str, str]]


@dataclass
class PublishStats:
    read: int = 0
    published: int = 0
    warned: int = 0  # published with warnings
    rejected: int = 0
    failed_sends: int = 0
    seconds: float = 0.0
    per_topic: dict[str, int] = field(default_factory=dict)
    problems: dict[str, int] = field(default_factory=dict)  # "field: reason" (indices dropped) -> lines

    def top_problems(self, n: int = 5) -> list[tuple[str, int]]:
        return sorted(self.problems.items(), key=lambda kv: (-kv[1], kv[0]))[:n]

    @property
    def rate(self) -> float:
        return self.published / self.seconds if self.seconds else 0.0


_LINE_BREAKS = str.maketrans({"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})


def jsonl_line(record: Any) -> str:
    """One JSON Lines line, non-ASCII text kept as it is, except the characters that readers
    splitting on Unicode line breaks (Python's ``str.splitlines``) would cut the line at."""
    return json.dumps(record, ensure_ascii=False).translate(_LINE_BREAKS) + "\n"


def rejects_path(path: Path) -> Path:
    return path.with_name(f"{path.stem}.rejects.jsonl")


def warnings_path(path: Path) -> Path:
    return path.with_name(f"{path.stem}.warnings.jsonl")


@dataclass
class Kept:
    """The lines of one file kept with their problems: rejected ones, and published ones with warnings."""

    rejects: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)


def _general(path: str, reason: str) -> str:
    """A problem without its list indices and values, to count alike problems together."""
    where = re.sub(r"\[\d+\]", "[]", path) or "<record>"
    return f"{where}: {reason.split(':', 1)[0].split(' (', 1)[0]}"


class Publisher:
    def __init__(
        self,
        settings: Settings,
        *,
        tokenize: bool = False,
        strict: bool = False,
        dry_run: bool = False,
        err: TextIO | None = None,
        progress_every: float = 2.0,
        rate: float | None = None,
        goaml: Any = None,  # streams.goaml.feed.GoamlInput: which files are goAML, and how to convert them
    ) -> None:
        self.settings = settings
        self.goaml = goaml
        self.rate = rate
        self.strict = strict
        self.dry_run = dry_run
        self.err = err if err is not None else sys.stderr  # None: no stderr at all (fd 2 closed)
        self.progress_every = progress_every
        self.tokenizer = Tokenizer(settings.require_key(), settings.token_key_id) if tokenize else None
        self.codec = codec()
        self.topics: set[str] | None = None  # dry run: no broker, feed topics unknown
        self.producer: Any = None
        if not dry_run:
            self.topics = {t for t in existing_topics(settings) if t.startswith(settings.topics.reports)}
            self.producer = producer(settings)
        self.stats = PublishStats()
        self._acked = 0
        self._gave_up = False
        self._warned: set[str] = set()

    def say(self, text: str) -> None:
        """A line on stderr; never fails (stderr may be closed: the rejects file still counts)."""
        if self.err is None:
            return
        try:
            print(text, file=self.err)
        except (OSError, ValueError):
            self.err = None

    def _failed(self, exc: Exception) -> None:
        if self._gave_up:
            return
        self.stats.failed_sends += 1
        self.say(f"error: a send failed: {exc}")

    def publish(self, paths: Iterable[Path]) -> PublishStats:
        start = time.monotonic()
        try:
            for path in paths:
                self._publish_file(Path(path), start)
        finally:
            if self.producer is not None:
                self._flush()
        self.stats.published -= self.stats.failed_sends
        self.stats.seconds = time.monotonic() - start
        return self.stats

    def _flush(self) -> None:
        """Wait for every ack, at most the send timeout (and a little): kafka-python 3.0.12 does not
        expire a batch for a partition without a live leader (two of three nodes down), so an
        unbounded flush would wait for ever. What is still unacknowledged then counts as failed."""
        from kafka.errors import KafkaTimeoutError

        try:
            self.producer.flush(timeout=self.settings.send_timeout + 5)
        except KafkaTimeoutError:
            pending = self.stats.published - self._acked - self.stats.failed_sends
            self.stats.failed_sends += pending
            self.say(f"error: {pending} send(s) still unacknowledged after {self.settings.send_timeout:.0f}s")
            # close() flushes first and raises the same timeout before it stops its sender
            # thread (kafka-python 3.0.12, KafkaProducer.close): stop that thread ourselves.
            with contextlib.suppress(KafkaTimeoutError):
                self.producer.close(timeout=0)
            sender = framework.producer_sender(self.producer)
            if sender is not None and sender.is_alive():
                self._gave_up = True  # the batches it aborts now are counted already
                sender.force_close()  # fails what is left, so that close() finds nothing to flush
                sender.join(5)
                with contextlib.suppress(KafkaTimeoutError):
                    self.producer.close(timeout=0)
            return
        self.producer.close()

    def _acknowledged(self, _meta: Any) -> None:
        self._acked += 1

    def note_problems(self, kept: Kept, where: str, line: str, errors: Problems, warnings: Problems, *,
              quiet: bool = False) -> bool:  # fmt: skip
        """Name each problem (on stderr unless ``quiet``) and keep the line: in the rejects file
        when it is rejected, in the warnings file when it is published. True if rejected."""
        rejected = bool(errors) or (self.strict and bool(warnings))
        if rejected:
            self.stats.rejected += 1
        else:
            self.stats.warned += 1
        for problems in (errors, warnings):
            for path, why in problems:
                if not quiet:
                    self.say(f"{where}: {path or '<record>'}: {why}")
                key = _general(path, why)
                self.stats.problems[key] = self.stats.problems.get(key, 0) + 1
        problems = [{"field": p, "reason": w, "severity": "error"} for p, w in errors]
        problems += [{"field": p, "reason": w, "severity": "warning"} for p, w in warnings]
        entry = {"where": where, "published": not rejected, "problems": problems, "line": line}
        (kept.rejects if rejected else kept.warnings).append(entry)
        return rejected

    def _publish_file(self, path: Path, start: float) -> None:
        kept = Kept()
        try:
            if self.goaml is not None and self.goaml.applies(path):
                from streams.goaml.feed import read_goaml

                read_goaml(self, self.goaml, path, start, kept)
            else:
                self._read_file(path, start, kept)
        finally:
            for out, entries, what in ((rejects_path(path), kept.rejects, "rejected line(s)"),
                                       (warnings_path(path), kept.warnings, "line(s) published with warnings")):  # fmt: skip
                if entries:
                    out.write_text("".join(jsonl_line(r) for r in entries))
                    self.say(f"{len(entries)} {what} of {path} kept in {out}")
                else:
                    out.unlink(missing_ok=True)

    def _read_file(self, path: Path, start: float, kept: Kept) -> None:
        last = time.monotonic()
        lines = 0
        array_at: int | None = None  # the line a JSON array begins on: the whole file is refused
        with path.open(encoding="utf-8", errors="replace") as f:
            for lineno, line in enumerate(f, 1):
                if not line.strip():
                    continue
                lines += 1
                self.stats.read += 1
                where = f"{path}:{lineno}"
                raw = line.rstrip("\n")
                if lines == 1 and line.lstrip().startswith("["):
                    array_at = lineno
                if array_at is not None:
                    why = (
                        JSON_ARRAY
                        if lineno == array_at
                        else f"{JSON_ARRAY} (the array begins at line {array_at})"
                    )
                    self.note_problems(kept, where, raw, [("", why)], [], quiet=lineno != array_at)
                    continue
                checked = check_line(line)
                record, errors = checked.record, list(checked.errors)
                if record is not None:
                    errors += self.no_feed(record)
                if (errors or checked.warnings) and self.note_problems(
                    kept, where, raw, errors, checked.warnings
                ):
                    continue
                assert record is not None  # no errors: validate_report built it
                self.send_report(record)
                now = time.monotonic()
                if self.rate:  # a steady offered rate: wait until this record is due
                    ahead = start + self.stats.published / self.rate - now
                    if ahead > 0.002:
                        time.sleep(max(0.0, start + self.stats.published / self.rate - time.monotonic()))
                if now - last >= self.progress_every:
                    last = now
                    rate = self.stats.published / (now - start)
                    self.say(
                        f"  {path.name}: line {lineno}, {self.stats.published} published, "
                        f"{self.stats.rejected} rejected, {rate:,.0f} records/s"
                    )
        if lines == 0:
            self.say(f"warning: {path} is empty: no reports in it")
        elif array_at is not None and lines > 1:
            self.say(f"{path}: the other {lines - 1} line(s) of the array rejected as well")

    def no_feed(self, record: dict[str, Any]) -> Problems:
        """The error of a report whose FIU has no feed topic (said once per topic); none in a dry run."""
        topic = self.settings.topics.feed(record["fiu"])
        if self.topics is None or topic in self.topics:
            return []
        if topic not in self._warned:
            self._warned.add(topic)
            self.say(
                f"error: no feed topic {topic}: is {record['fiu']} in the policy's fius? "
                f"(run `fiulink topics create --policy FILE`)"
            )
        return [("fiu", f"no feed topic {topic} for this FIU")]

    def send_report(self, record: dict[str, Any]) -> None:
        """Send one checked report to its FIU's feed (counted only, in a dry run)."""
        topic = self.settings.topics.feed(record["fiu"])
        if self.tokenizer is not None:
            record = tokenize_at_source(record, self.tokenizer)
        if self.producer is not None:
            value = self.codec.encode("StrReport", record, check=False)  # validate_report built it
            sent = self.producer.send(topic, key=record["report_id"].encode(), value=value)
            sent.add_callback(self._acknowledged).add_errback(self._failed)
        self.stats.published += 1
        self.stats.per_topic[topic] = self.stats.per_topic.get(topic, 0) + 1
