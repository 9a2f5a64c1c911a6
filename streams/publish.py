"""``fiulink publish``: JSON Lines -> validated StrReport records -> each report's FIU feed.

Every line read is either published or rejected (valid + rejected = lines read). A rejected line
is named on stderr as ``file:line: field.path: reason`` and kept, with its reasons, in
``<file>.rejects.jsonl`` beside the input: rejected raw data stays with the FIU.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from streams.codec import codec
from streams.config import Settings
from streams.core.extract import identifiers_of
from streams.core.tokens import Tokenizer
from streams.core.validate import validate_report
from streams.kafka.clients import producer
from streams.kafka.topics import existing_topics


@dataclass
class PublishStats:
    read: int = 0
    published: int = 0
    rejected: int = 0
    failed_sends: int = 0
    seconds: float = 0.0
    per_topic: dict[str, int] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.published / self.seconds if self.seconds else 0.0


def rejects_path(path: Path) -> Path:
    return path.with_name(f"{path.stem}.rejects.jsonl")


def tokenize_at_source(report: dict[str, Any], tokenizer: Tokenizer) -> dict[str, Any]:
    """Replace every raw identifier with its token: only tokens leave the FIU."""
    found, _ = identifiers_of(report)
    tokens = [{"kind": k, "token": tokenizer(k, v)} for k, v in found]
    subjects = [
        {
            **s,
            "names": [],
            "birth_date": None,
            "documents": [],
            "emails": [],
            "phones": [],
            "accounts": [],
            "lei": None,
            "wallets": [],
        }
        for s in report["subjects"]
    ]
    txs = [{**t, "tx_hash": None, "from_address": None, "to_address": None} for t in report["transactions"]]
    return {**report, "subjects": subjects, "transactions": txs, "tokens": report["tokens"] + tokens}


class Publisher:
    def __init__(
        self,
        settings: Settings,
        *,
        tokenize: bool = False,
        err: TextIO = sys.stderr,
        progress_every: float = 2.0,
        rate: float | None = None,
    ) -> None:
        self.settings = settings
        self.rate = rate
        self.err = err
        self.progress_every = progress_every
        self.tokenizer = Tokenizer(settings.require_key(), settings.token_key_id) if tokenize else None
        self.codec = codec()
        self.topics = {t for t in existing_topics(settings) if t.startswith(settings.topics.reports)}
        self.producer = producer(settings)
        self.stats = PublishStats()
        self._warned: set[str] = set()

    def _failed(self, exc: Exception) -> None:
        self.stats.failed_sends += 1
        print(f"error: a send failed: {exc}", file=self.err)

    def publish(self, paths: Iterable[Path]) -> PublishStats:
        start = time.monotonic()
        for path in paths:
            self._publish_file(Path(path), start)
        self.producer.flush()
        self.producer.close()
        self.stats.published -= self.stats.failed_sends
        self.stats.seconds = time.monotonic() - start
        return self.stats

    def _reject(
        self, rejects: list[dict[str, Any]], where: str, line: str, problems: list[tuple[str, str]]
    ) -> None:
        self.stats.rejected += 1
        for path, why in problems:
            print(f"{where}: {path or '<record>'}: {why}", file=self.err)
        rejects.append(
            {"where": where, "problems": [{"field": p, "reason": w} for p, w in problems], "line": line}
        )

    def _publish_file(self, path: Path, start: float) -> None:
        rejects: list[dict[str, Any]] = []
        last = time.monotonic()
        with path.open(encoding="utf-8", errors="replace") as f:
            for lineno, line in enumerate(f, 1):
                if not line.strip():
                    continue
                self.stats.read += 1
                where = f"{path}:{lineno}"
                try:
                    obj = json.loads(line)
                except (ValueError, RecursionError) as exc:
                    self._reject(rejects, where, line.rstrip("\n"), [("", f"not valid JSON: {exc}")])
                    continue
                record, problems = validate_report(obj)
                if record is None:
                    self._reject(rejects, where, line.rstrip("\n"), problems)
                    continue
                topic = self.settings.topics.feed(record["fiu"])
                if topic not in self.topics:
                    if topic not in self._warned:
                        self._warned.add(topic)
                        print(
                            f"error: no feed topic {topic}: is {record['fiu']} in the policy's fius? "
                            f"(run `fiulink topics create --policy FILE`)",
                            file=self.err,
                        )
                    self._reject(
                        rejects, where, line.rstrip("\n"), [("fiu", f"no feed topic {topic} for this FIU")]
                    )
                    continue
                if self.tokenizer is not None:
                    record = tokenize_at_source(record, self.tokenizer)
                value = self.codec.encode("StrReport", record, check=False)  # validate_report built it
                self.producer.send(topic, key=record["report_id"].encode(), value=value).add_errback(
                    self._failed
                )
                self.stats.published += 1
                self.stats.per_topic[topic] = self.stats.per_topic.get(topic, 0) + 1
                now = time.monotonic()
                if self.rate:  # a steady offered rate: wait until this record is due
                    ahead = start + self.stats.published / self.rate - now
                    if ahead > 0.002:
                        time.sleep(max(0.0, start + self.stats.published / self.rate - time.monotonic()))
                if now - last >= self.progress_every:
                    last = now
                    rate = self.stats.published / (now - start)
                    print(
                        f"  {path.name}: line {lineno}, {self.stats.published} published, "
                        f"{self.stats.rejected} rejected, {rate:,.0f} records/s",
                        file=self.err,
                    )
        out = rejects_path(path)
        if rejects:
            out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rejects))
            print(f"{len(rejects)} rejected line(s) of {path} kept in {out}", file=self.err)
        else:
            out.unlink(missing_ok=True)
