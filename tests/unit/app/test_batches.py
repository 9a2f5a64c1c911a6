"""Refusing record batches before they are unpacked: the bounded gzip decoder and the seam."""

from __future__ import annotations

import gzip

import pytest

from streams.app import batches


def test_gzip_members_are_decoded_in_full_under_the_limit() -> None:
    payload = gzip.compress(b"abc" * 1000) + gzip.compress(b"def")
    assert batches.bounded_gzip_decode(payload) == b"abc" * 1000 + b"def"


@pytest.mark.parametrize("limit", [1, 1000, 4095])
def test_gzip_beyond_the_limit_is_refused_without_unpacking_it(limit: int) -> None:
    with pytest.raises(batches.BatchRefused, match=f"more than {limit} bytes"):
        batches.bounded_gzip_decode(gzip.compress(b"\0" * 4096), limit)
    assert len(batches.bounded_gzip_decode(gzip.compress(b"\0" * limit), limit)) == limit


def test_a_second_member_counts_against_the_same_limit() -> None:
    with pytest.raises(batches.BatchRefused):
        batches.bounded_gzip_decode(gzip.compress(b"\0" * 600) + gzip.compress(b"\0" * 600), 1000)


def test_corrupt_gzip_is_refused() -> None:
    with pytest.raises(batches.BatchRefused, match="corrupt gzip"):
        batches.bounded_gzip_decode(gzip.compress(b"x" * 100)[:-12] + b"garbage!" * 3)


def test_install_replaces_aiokafkas_decoder_in_every_batch_module() -> None:
    import aiokafka.record._crecords.default_records as compiled
    import aiokafka.record.default_records as pure

    batches.install()
    batches.install()  # idempotent
    assert compiled.gzip_decode is batches.bounded_gzip_decode
    assert pure.gzip_decode is batches.bounded_gzip_decode


class _Batch:
    base_offset, next_offset, max_timestamp, timestamp_type = 10, 13, 1234, 0

    def __iter__(self) -> _Batch:
        raise batches.BatchRefused("a gzip batch that decompresses to more than 1 bytes")


def test_a_refused_batch_becomes_one_stand_in_at_its_first_offset() -> None:
    (stand_in,) = list(batches._GuardedBatch(_Batch(), "t", 3))
    assert (stand_in.offset, stand_in.value, stand_in.key, stand_in.timestamp) == (10, b"", None, 1234)
    assert batches.rejected_end("t", 3, 10) == 13
    reason = batches.rejected("t", 3, 10)
    assert reason is not None and "offsets 10-12 refused unread" in reason
    assert batches.rejected("t", 3, 10) is None and batches.rejected_end("t", 3, 10) is None
