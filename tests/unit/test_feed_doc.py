"""docs/feed.md: its example line is a valid report (no error, no warning), and its limits and
field list match the code and the schema."""

from __future__ import annotations

import json
import re

from streams.config import PROJECT_ROOT
from streams.core import extract, validate
from streams.core.extract import identifiers_of
from streams.core.validate import validate_report
from streams.feed_check import report_shape, unknown_keys

DOC = (PROJECT_ROOT / "docs" / "feed.md").read_text()


def _example_lines() -> list[str]:
    blocks = re.findall(r"```jsonl\n(.*?)```", DOC, flags=re.S)
    return [line for block in blocks for line in block.splitlines() if line.strip()]


def test_the_example_line_is_a_valid_report_with_every_identifier_matchable() -> None:
    lines = _example_lines()
    assert lines, "docs/feed.md has no ```jsonl example"
    for line in lines:
        obj = json.loads(line)
        record, problems = validate_report(obj)
        assert problems == [] and record is not None
        found, bad = identifiers_of(record)
        assert bad == [] and len(found) >= 8
        assert unknown_keys(obj) == []


def test_the_limits_are_the_codes() -> None:
    assert f"| {validate.MAX_TEXT:,} characters |" in DOC
    assert f"| {validate.MAX_ITEMS:,} |" in DOC and f"more than {validate.MAX_ITEMS} items" in DOC
    assert f"| {extract.MAX_IDENTIFIERS:,} |" in DOC


def test_every_field_of_the_schema_is_documented() -> None:
    shape = report_shape()
    for key, sub in shape.items():
        assert f"`{key}" in DOC, key
        for inner in sub or {}:
            assert f"`{inner}`" in DOC or f"{key}.{inner}" in DOC, f"{key}.{inner}"
