"""What ``fiulink publish`` checks in one line before anything leaves the FIU.

The hub's own checks, called as they are (``streams.core.validate.validate_report`` and
``streams.core.extract.identifiers_of``), plus unknown keys, sorted into

- errors: the line cannot be published (not JSON, not an object, a broken contract: a missing
  ``report_id``, a time without a UTC offset, ...). The hub would dead-letter it whole;
- warnings: the report is published, but part of it will not match: an identifier that fails
  validation (the hub leaves it out of matching and still matches the rest) or a key the report
  shape does not have (``"wallet"`` for ``"wallets"``: ignored, so its identifiers never match).
  ``--strict`` rejects a report with warnings instead.

The known keys come from ``streams/schemas/StrReport.avsc``, the shape the hub reads, at every level.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from streams.core.extract import identifiers_of
from streams.core.validate import validate_report

Problems = list[tuple[str, str]]
#: key -> the shape of its value (a nested record, or a list of records), or None for a leaf.
Shape = dict[str, "Shape | None"]

JSON_ARRAY = "this looks like a JSON array; write one report per line (JSON Lines)"


@dataclass(frozen=True)
class Checked:
    """One line: the record to publish (None if it cannot be), its errors and its warnings."""

    record: dict[str, Any] | None
    errors: Problems = field(default_factory=list)
    warnings: Problems = field(default_factory=list)


def _shape_of(avro_type: Any, named: dict[str, Shape]) -> Shape | None:
    if isinstance(avro_type, list):  # a union: the record branch, if any
        shapes = [s for s in (_shape_of(t, named) for t in avro_type) if s is not None]
        return shapes[0] if shapes else None
    if isinstance(avro_type, str):
        return named.get(avro_type) or named.get(avro_type.rsplit(".", 1)[-1])
    if isinstance(avro_type, dict):
        if avro_type.get("type") == "array":
            return _shape_of(avro_type["items"], named)
        if avro_type.get("type") == "record":
            shape: Shape = {}
            named[avro_type["name"]] = shape  # before the fields: a record may refer to itself
            for f in avro_type["fields"]:
                shape[f["name"]] = _shape_of(f["type"], named)
            return shape
    return None


@cache
def report_shape() -> Shape:
    """The StrReport shape: every key a report may have, at every level."""
    from streams.codec.avro import SCHEMA_DIR

    raw = json.loads((SCHEMA_DIR / "StrReport.avsc").read_text())
    return _shape_of(raw, {}) or {}


def unknown_keys(obj: Any, shape: Shape | None = None, path: str = "") -> Problems:
    """Every key of ``obj`` the report shape does not have, named with its path."""
    shape = report_shape() if shape is None else shape
    out: Problems = []
    if isinstance(obj, list):
        for i, item in enumerate(obj):
            out += unknown_keys(item, shape, f"{path}[{i}]")
        return out
    if not isinstance(obj, dict):
        return out
    for key, value in obj.items():
        where = f"{path}.{key}" if path else str(key)
        if key not in shape:
            close = difflib.get_close_matches(str(key), list(shape), n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            out.append((where, f"unknown key, ignored{hint}"))
        elif shape[key] is not None:
            out += unknown_keys(value, shape[key], where)
    return out


def check_line(line: str) -> Checked:
    """Parse and check one JSON line as the hub will."""
    try:
        obj = json.loads(line)
    except (ValueError, RecursionError) as exc:
        why = JSON_ARRAY if line.lstrip().startswith("[") else f"not valid JSON: {exc}"
        return Checked(None, [("", why)])
    if isinstance(obj, list):
        return Checked(None, [("", JSON_ARRAY)])
    record, errors = validate_report(obj)
    warnings = unknown_keys(obj)
    if record is None:
        return Checked(None, errors, warnings)
    _, bad = identifiers_of(record)
    warnings += [(p, f"{why}: left out of matching") for p, why in bad]
    return Checked(record, [], warnings)
