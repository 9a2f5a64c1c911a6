"""Schema-evolution guard: every current schema reads what its committed previous version wrote
(checked with the Apache ``avro`` compatibility checker, then by actually decoding), the check
really catches an incompatible change, and every field is documented."""

from __future__ import annotations

import copy
import io
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import avro.schema
import fastavro
import pytest
from avro.compatibility import (
    ReaderWriterCompatibilityChecker,
    SchemaCompatibilityType,
    SchemaIncompatibilityType,
)
from fastavro.schema import to_parsing_canonical_form

from streams.codec import Codec, fingerprint
from streams.codec.avro import MAGIC, SCHEMA_DIR
from streams.errors import DecodeError

PREVIOUS_DIR = SCHEMA_DIR / "previous"
CURRENT = {p.stem: p for p in sorted(SCHEMA_DIR.glob("*.avsc"))}
PREVIOUS = {p.stem: p for p in sorted(PREVIOUS_DIR.glob("*.avsc"))}


def _parse(raw: dict[str, Any] | str) -> avro.schema.Schema:
    return avro.schema.parse(raw if isinstance(raw, str) else json.dumps(raw))


def _compat(reader: dict[str, Any] | str, writer: dict[str, Any] | str) -> Any:
    return ReaderWriterCompatibilityChecker().get_compatibility(_parse(reader), _parse(writer))


def _load(path: Path) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(path.read_text())
    return schema


def test_every_schema_has_a_committed_previous_version() -> None:
    assert CURRENT, "no schemas found"
    assert set(PREVIOUS) == set(CURRENT)
    for name, path in PREVIOUS.items():
        assert _load(path)["name"] == _load(CURRENT[name])["name"] == name


@pytest.mark.parametrize("name", sorted(CURRENT))
def test_current_reads_previous(name: str) -> None:
    """Backward compatible: the current schema (reader) can read data the previous one wrote."""
    result = _compat(CURRENT[name].read_text(), PREVIOUS[name].read_text())
    assert result.compatibility is SchemaCompatibilityType.compatible, result.messages


# -- the guard must bite -----------------------------------------------------------------------


def _sighting() -> dict[str, Any]:
    return _load(CURRENT["Sighting"])


def _with_field(schema: dict[str, Any], field: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(schema)
    out["fields"].append(field)
    return out


def _retyped(schema: dict[str, Any], name: str, new_type: Any) -> dict[str, Any]:
    out = copy.deepcopy(schema)
    for f in out["fields"]:
        if f["name"] == name:
            f["type"] = new_type
    return out


INCOMPATIBLE = [
    pytest.param(
        _with_field(_sighting(), {"name": "confidence", "type": "double", "doc": "x"}),
        SchemaIncompatibilityType.reader_field_missing_default_value,
        id="new-field-without-default",
    ),
    pytest.param(
        _retyped(_sighting(), "source_ts", "string"),
        SchemaIncompatibilityType.type_mismatch,
        id="long-to-string",
    ),
    pytest.param(
        _retyped(_sighting(), "source_ts", "int"),
        SchemaIncompatibilityType.type_mismatch,
        id="long-narrowed-to-int",
    ),
    pytest.param(
        {**_sighting(), "name": "Sighting2"},
        SchemaIncompatibilityType.name_mismatch,
        id="renamed-record",
    ),
]


@pytest.mark.parametrize(("reader", "why"), INCOMPATIBLE)
def test_checker_detects_an_incompatible_change(reader: dict[str, Any], why: Any) -> None:
    result = _compat(reader, _sighting())
    assert result.compatibility is SchemaCompatibilityType.incompatible
    assert why in result.incompatibilities


def test_checker_detects_a_dropped_union_branch() -> None:
    writer = _load(CURRENT["Notification"])
    reader = _retyped(writer, "confidence", "double")  # was ["null", "double"]
    result = _compat(reader, writer)
    assert result.compatibility is SchemaCompatibilityType.incompatible
    assert SchemaIncompatibilityType.type_mismatch in result.incompatibilities


@pytest.mark.parametrize(
    "reader",
    [
        pytest.param(
            _with_field(_sighting(), {"name": "confidence", "type": "double", "default": 1.0, "doc": "x"}),
            id="new-field-with-default",
        ),
        pytest.param(_retyped(_sighting(), "source_ts", "double"), id="long-promoted-to-double"),
        pytest.param(_retyped(_sighting(), "kind", ["null", "string"]), id="string-into-union"),
    ],
)
def test_checker_accepts_a_compatible_change(reader: dict[str, Any]) -> None:
    assert _compat(reader, _sighting()).compatibility is SchemaCompatibilityType.compatible


# -- documentation -----------------------------------------------------------------------------


def _fields(schema: Any, where: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every field of every record, nested records included, with a readable path."""
    if isinstance(schema, list):
        for branch in schema:
            yield from _fields(branch, where)
    elif isinstance(schema, dict):
        if schema.get("type") == "record":
            for f in schema["fields"]:
                path = f"{where}.{f['name']}"
                yield path, f
                yield from _fields(f["type"], path)
        elif schema.get("type") == "array":
            yield from _fields(schema["items"], where + "[]")
        elif schema.get("type") == "map":
            yield from _fields(schema["values"], where + "{}")


@pytest.mark.parametrize("name", sorted(CURRENT))
def test_every_field_has_a_doc(name: str) -> None:
    schema = _load(CURRENT[name])
    assert schema.get("doc", "").strip(), f"{name} has no doc"
    fields = list(_fields(schema, name))
    assert fields
    undocumented = [path for path, f in fields if not str(f.get("doc", "")).strip()]
    assert undocumented == []


def test_doc_walker_sees_nested_fields() -> None:
    paths = {p for p, _ in _fields(_load(CURRENT["StrReport"]), "StrReport")}
    assert "StrReport.subjects[].wallets[].address" in paths
    assert "StrReport.reporting_entity.name" in paths


# -- decoding what the previous schema wrote -----------------------------------------------------


def _write_single_object(schema: dict[str, Any], record: dict[str, Any]) -> bytes:
    buf = io.BytesIO()
    buf.write(MAGIC + fingerprint(to_parsing_canonical_form(schema)))
    fastavro.schemaless_writer(buf, fastavro.parse_schema(schema), record)
    return buf.getvalue()


SIGHTING = {
    "token": "k1:" + "5e" * 32,
    "kind": "email",
    "fiu": "NL",
    "report_id": "NL-2026-7",
    "sharing": "consent",
    "restrictions": ["no-onward-dissemination"],
    "submitted_at": "2026-11-20T14:03:00Z",
    "source_ts": 1763647380000,
}


def test_current_codec_decodes_bytes_written_with_the_committed_previous_schema() -> None:
    data = _write_single_object(_load(PREVIOUS["Sighting"]), SIGHTING)
    assert Codec(SCHEMA_DIR).decode(data, expect="Sighting") == ("Sighting", SIGHTING)


@pytest.fixture
def evolved_dir(tmp_path: Path) -> Path:
    """A schema dir where Sighting gained ``source_ts`` (with a default) since the previous version."""
    for p in SCHEMA_DIR.glob("*.avsc"):
        shutil.copy(p, tmp_path / p.name)
    (tmp_path / "previous").mkdir()
    old = _sighting()
    old["fields"] = [f for f in old["fields"] if f["name"] != "source_ts"]
    (tmp_path / "previous" / "Sighting.avsc").write_text(json.dumps(old))
    return tmp_path


def test_old_writer_is_resolved_to_the_current_reader(evolved_dir: Path) -> None:
    old = _load(evolved_dir / "previous" / "Sighting.avsc")
    assert _compat(_sighting(), old).compatibility is SchemaCompatibilityType.compatible
    old_record = {k: v for k, v in SIGHTING.items() if k != "source_ts"}
    data = _write_single_object(old, old_record)
    c = Codec(evolved_dir)
    assert data[2:10] != c.prefix["Sighting"][2:]  # really a different writer fingerprint
    assert c.decode(data, expect="Sighting") == ("Sighting", {**old_record, "source_ts": 0})
    # and the current writer still round-trips in the same codec
    assert c.decode(c.encode("Sighting", SIGHTING)) == ("Sighting", SIGHTING)


def test_old_writer_is_unknown_without_its_committed_copy(evolved_dir: Path) -> None:
    """Dropping a previous version from schemas/previous makes its bytes undecodable: the
    committed copies are what keeps old messages on the topics readable."""
    old = _load(evolved_dir / "previous" / "Sighting.avsc")
    data = _write_single_object(old, {k: v for k, v in SIGHTING.items() if k != "source_ts"})
    shutil.rmtree(evolved_dir / "previous")
    with pytest.raises(DecodeError, match="unknown schema fingerprint"):
        Codec(evolved_dir).decode(data)
