"""A record batch that would cost the worker more than it may is refused whole, before it is
unpacked, and named in a dead letter: a decompression bomb (1 GiB of zeros is ~1 MB gzipped,
under the broker's 2 MiB record limit) or a codec the hub has no library for.

aiokafka 0.14.0 (``aiokafka/record/default_records.py`` and its compiled twin in
``_crecords``) decompresses a whole batch into memory as soon as its first record is read
(``_maybe_uncompress``), with no bound; an unsupported codec raises ``UnsupportedCodecError``
from the fetcher, which would stop the worker on every restart (a poison pill). Two seams:

* the compiled and the pure-Python batch modules look up ``gzip_decode`` in their module
  globals at call time: :func:`bounded_gzip_decode` replaces it and stops at
  ``MAX_BATCH_BYTES`` (snappy, lz4 and zstd need ``cramjam``, which is not installed: those
  batches are refused as unsupported);
* ``PartitionRecords`` (``aiokafka/consumer/fetcher.py``) gets its record set wrapped, so a
  batch that fails to unpack for one of those reasons yields one stand-in record at its first
  offset (empty value) instead of raising, and the fetch position moves past the batch.

The worker asks :func:`rejected` for each event: a stand-in gives the reason, and the caller
dead-letters it; :func:`rejected_end` tells the hardened consumer (``offsets.py``) where the
refused batch ends, so the offsets it spanned count as processed with it. Installed once, by
:func:`install`, which first checks that every attribute it relies on exists.
"""

from __future__ import annotations

import contextlib
import logging
import zlib
from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

from aiokafka.errors import UnsupportedCodecError

from streams.errors import ConfigError

log = logging.getLogger("fiulink.batches")

MAX_BATCH_BYTES = 32 * 1024 * 1024  # what one record batch may decompress to
_REMEMBERED = 10_000  # stand-ins not yet taken by an agent (a revoke may leave some behind)
_rejected: OrderedDict[tuple[str, int, int], tuple[str, int]] = OrderedDict()


class BatchRefused(Exception):
    """A record batch the worker will not unpack."""


def bounded_gzip_decode(payload: Any, limit: int = MAX_BATCH_BYTES) -> bytes:
    """gzip (one or more members, as Kafka writes it) decompressed to at most ``limit`` bytes."""
    data, out, size = bytes(payload), [], 0
    while data:
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            chunk = d.decompress(data, limit - size + 1)
        except zlib.error as exc:
            raise BatchRefused(f"corrupt gzip batch: {exc}") from exc
        size += len(chunk)
        if size > limit or d.unconsumed_tail:
            raise BatchRefused(f"a gzip batch that decompresses to more than {limit} bytes")
        out.append(chunk)
        data = d.unused_data if d.eof else b""
    return b"".join(out)


def pending() -> bool:
    """Whether any refused batch's stand-in is still to be taken (the per-record checks' fast path)."""
    return bool(_rejected)


def rejected_end(topic: str, partition: int, offset: int) -> int | None:
    """The offset after the refused batch whose stand-in is at this position (None if none)."""
    found = _rejected.get((topic, partition, offset))
    return found[1] if found else None


def rejected(topic: str, partition: int, offset: int) -> str | None:
    """Why the record at this position is the stand-in of a refused batch (None if it is not);
    asked once per record, by the agent that dead-letters it."""
    found = _rejected.pop((topic, partition, offset), None)
    return found[0] if found else None


class _StandIn:
    """A record in the place of a refused batch: its first offset, no key, an empty value."""

    key = None
    value = b""
    checksum = None
    headers: tuple[Any, ...] = ()

    def __init__(self, batch: Any) -> None:
        self.offset = batch.base_offset
        self.timestamp = batch.max_timestamp
        self.timestamp_type = batch.timestamp_type


class _GuardedBatch:
    def __init__(self, batch: Any, topic: str, partition: int) -> None:
        self._batch, self._topic, self._partition = batch, topic, partition

    def __getattr__(self, name: str) -> Any:
        return getattr(self._batch, name)

    def __iter__(self) -> Iterator[Any]:
        try:
            records = iter(self._batch)
            first = next(records, None)
        except (BatchRefused, UnsupportedCodecError) as exc:
            b = self._batch
            reason = f"record batch at offsets {b.base_offset}-{b.next_offset - 1} refused unread: {exc}"
            log.warning("%s/%s: %s", self._topic, self._partition, reason)
            _rejected[(self._topic, self._partition, b.base_offset)] = (reason, b.next_offset)
            while len(_rejected) > _REMEMBERED:
                _rejected.popitem(last=False)
            yield _StandIn(b)
            return
        if first is None:
            return
        yield first
        while (record := next(records, None)) is not None:  # not ``yield from``: that calls
            yield record  # the batch's __iter__ again, which the compiled batch refuses


class _GuardedRecords:
    def __init__(self, records: Any, topic: str, partition: int) -> None:
        self._records, self._topic, self._partition = records, topic, partition

    def __getattr__(self, name: str) -> Any:
        return getattr(self._records, name)

    def next_batch(self) -> Any:
        batch = self._records.next_batch()
        return None if batch is None else _GuardedBatch(batch, self._topic, self._partition)


_installed = False


def install() -> None:
    """Bound decompression and guard unpacking in this process (idempotent). Raises ConfigError
    naming what is missing if the pinned aiokafka no longer has what this relies on."""
    global _installed
    if _installed:
        return
    import importlib

    from aiokafka.consumer import fetcher

    modules = [importlib.import_module(f"aiokafka.record.{m}") for m in ("default_records", "legacy_records")]
    for m in ("default_records", "legacy_records"):
        with contextlib.suppress(ImportError):  # pure-Python aiokafka (AIOKAFKA_NO_EXTENSIONS)
            modules.append(importlib.import_module(f"aiokafka.record._crecords.{m}"))
    for module in modules:
        if not hasattr(module, "gzip_decode"):
            raise ConfigError(f"aiokafka changed: {module.__name__}.gzip_decode is gone (pinned 0.14.0)")
    init = getattr(fetcher.PartitionRecords, "__init__", None)
    if init is None or "_records" not in init.__code__.co_names:
        raise ConfigError("aiokafka changed: PartitionRecords no longer keeps _records (pinned 0.14.0)")
    for module in modules:
        module.gzip_decode = bounded_gzip_decode  # type: ignore[attr-defined]

    def guarded_init(self: Any, tp: Any, records: Any, *args: Any, **kwargs: Any) -> None:
        init(self, tp, _GuardedRecords(records, tp.topic, tp.partition), *args, **kwargs)

    fetcher.PartitionRecords.__init__ = guarded_init  # type: ignore[method-assign]
    _installed = True
