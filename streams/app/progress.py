"""What the worker says while it runs: a ``ready`` line once it has joined its group and its
tables are recovered (again after each rebalance), a progress line at most every few seconds
while it works (records per hop, their rate, how far behind the last records it read are), and
framework log lines that repeat (aiokafka logs every reconnect attempt while the broker is away,
~80 lines a second) cut to one per message per window, with the count of what was held back.

Lines go to stderr with a UTC time, whatever the log level: they are the worker's own account
of itself, not debugging output.
"""

from __future__ import annotations

import logging
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TextIO

FRAMEWORK_LOGGERS = ("aiokafka", "kafka", "faust", "mode")


def say(text: str, out: TextIO | None = None) -> None:
    """One line on the process's real stderr (the worker's runner redirects ``sys.stderr`` into
    its logging, which would stamp the line a second time, as a warning)."""
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    print(f"{stamp} {text}", file=out or sys.__stderr__ or sys.stderr, flush=True)


@dataclass
class Progress:
    """Counts of records per hop since the last report, and the last offset read per partition
    (for how far behind the worker is: the partition's high-water mark minus the next offset)."""

    stage_of: Callable[[str], str]  # topic -> hop (ingest, correlate, notify)
    counts: Counter[str] = field(default_factory=Counter)
    total: Counter[str] = field(default_factory=Counter)
    next_offset: dict[tuple[str, int], int] = field(default_factory=dict)
    since: float = field(default_factory=time.monotonic)

    def seen(self, stage: str, events: Iterable[Any]) -> None:
        n = 0
        for e in events:
            m = e.message
            self.next_offset[(m.topic, m.partition)] = m.offset + 1
            n += 1
        self.counts[stage] += n
        self.total[stage] += n

    def report(self, highwater: Callable[[str, int], int | None], now: float | None = None) -> str | None:
        """One line on what happened since the last report, or None if nothing happened and
        nothing is waiting."""
        now = time.monotonic() if now is None else now
        behind: Counter[str] = Counter()
        for (topic, partition), nxt in self.next_offset.items():
            hw = highwater(topic, partition)
            if hw is not None and hw > nxt:
                behind[self.stage_of(topic)] += hw - nxt
        if not self.counts and not behind:
            self.since = now
            return None
        seconds = max(now - self.since, 1e-9)
        done = ", ".join(
            f"{stage} {self.counts[stage]:,} ({self.counts[stage] / seconds:,.0f}/s)"
            for stage in ("ingest", "correlate", "notify")
        )
        waiting = ", ".join(f"{stage} {behind[stage]:,}" for stage in ("ingest", "correlate", "notify"))
        self.counts.clear()
        self.since = now
        return f"progress: records {done}; behind {waiting}"


def stage_by_topic(feeds: Iterable[str], correlated: Iterable[str]) -> Callable[[str], str]:
    feed_set, correlate_set = frozenset(feeds), frozenset(correlated)

    def stage_of(topic: str) -> str:
        if topic in feed_set:
            return "ingest"
        return "correlate" if topic in correlate_set else "notify"

    return stage_of


class RepeatFilter(logging.Filter):
    """Lets a message through once per ``window`` seconds per (logger, level, message template);
    the next one that passes says how many were held back in between."""

    def __init__(self, window: float = 10.0, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.window = window
        self.clock = clock
        self.last: dict[tuple[str, int, str], float] = {}
        self.held: Counter[tuple[str, int, str]] = Counter()

    def filter(self, record: logging.LogRecord) -> bool:
        key = (record.name, record.levelno, str(record.msg))
        now = self.clock()
        if now - self.last.get(key, -self.window - 1) < self.window:
            self.held[key] += 1
            return False
        self.last[key] = now
        held = self.held.pop(key, 0)
        if held:
            record.msg = f"{record.msg} ({held} more like this in the last {self.window:.0f}s)"
        return True


def quiet_repeats(window: float = 10.0, prefixes: tuple[str, ...] = FRAMEWORK_LOGGERS) -> RepeatFilter:
    """Install one ``RepeatFilter`` on every framework logger (a logger's filter sees only its
    own records, so each one gets it)."""
    f = RepeatFilter(window)
    names = [n for n in logging.root.manager.loggerDict if n.split(".")[0] in prefixes]
    for name in {*names, *prefixes}:
        logger = logging.getLogger(name)
        if f not in logger.filters:
            logger.addFilter(f)
    return f
