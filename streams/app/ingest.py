"""Ingest: report bytes in, dead letters and SightingBatch messages out, no state.

It runs in the worker. Running it in child processes beside the worker was measured slower on
the reference machine and removed (README, Performance).
"""

from __future__ import annotations

import logging

from streams.app.steps import Keyed, Send, Steps

log = logging.getLogger("fiulink.worker")

Record = tuple[str, int, int, int, bytes | None]  # topic, partition, offset, timestamp ms, value


def ingest_records(steps: Steps, records: list[Record]) -> list[Send]:
    """Reports -> their dead letters, then the batch's sightings as one message per partition.
    A record that cannot be read is a dead letter naming topic/partition/offset and the reason;
    the rest of the batch carries on."""
    out: list[Send] = []
    sighted = []
    keyed: list[Keyed] = []
    for topic, partition, offset, ts_ms, value in records:
        try:
            report, subjects, dead = steps.read_all(topic, partition, offset, ts_ms, value)
            keyed.extend(subjects)
        except Exception as exc:  # a bug the record triggers: the record, not the batch, is lost to DLQ
            log.exception("ingest failed on %s/%s/%s", topic, partition, offset)
            reason = f"{type(exc).__name__}: {exc}"
            dead = [steps.dead_letter(topic, partition, offset, value, reason, stage="ingest")]
            report = None
        out.extend(dead)
        if report is not None:
            sighted.append(report)
    out.extend(steps.sighting_batches(sighted))
    out.extend(steps.subject_batches(keyed))  # encoded subjects, by blocking key: fuzzy links
    return out
