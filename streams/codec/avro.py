"""Schema loading and Avro single-object encoding.

Every message names its writer schema by fingerprint, so no registry is needed. Decoding knows
the current schemas and the committed previous versions (``streams/schemas/previous``, package
data read with ``importlib.resources``) and resolves old
writers to the current reader schema; an unknown fingerprint is a clear ``DecodeError``.
"""

from __future__ import annotations

import io
import json
import os
import struct
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import fastavro
from fastavro.schema import to_parsing_canonical_form
from fastavro.validation import ValidationError, validate

from streams.errors import ConfigError, DecodeError, EncodeError

MAGIC = b"\xc3\x01"
#: the schemas shipped in the package (an installed wheel has them too)
SCHEMA_DIR = Path(str(resources.files("streams") / "schemas"))
_EMPTY = 0xC15D213AA4D7A795
_TABLE = []
for _i in range(256):
    _fp = _i
    for _ in range(8):
        _fp = (_fp >> 1) ^ (_EMPTY & -(_fp & 1))
    _TABLE.append(_fp)


def fingerprint(canonical_form: str) -> bytes:
    """CRC-64-AVRO (Rabin) of a schema's Parsing Canonical Form, little-endian, per the Avro spec."""
    fp = _EMPTY
    for b in canonical_form.encode():
        fp = (fp >> 8) ^ _TABLE[(fp ^ b) & 0xFF]
    return struct.pack("<Q", fp)


class Codec:
    """Encoder/decoder for all fiulink record types; parse schemas once, reuse everywhere."""

    def __init__(self, schema_dir: Path = SCHEMA_DIR, *, strict: bool | None = None) -> None:
        #: validate every record, even those ``check=False`` trusts. Unless given, from
        #: FIULINK_STRICT_ENCODE=1 (read here, not at import): the test suite sets it, so
        #: fiulink's own record builders are checked against the schemas there.
        self.strict = os.environ.get("FIULINK_STRICT_ENCODE", "") == "1" if strict is None else strict
        self.schemas: dict[str, Any] = {}
        self.prefix: dict[str, bytes] = {}
        self._by_fp: dict[bytes, tuple[str, Any]] = {}
        for path in sorted(schema_dir.glob("*.avsc")):
            raw = json.loads(path.read_text())
            parsed = fastavro.parse_schema(raw)
            name = raw["name"]
            fp = fingerprint(to_parsing_canonical_form(raw))
            self.schemas[name] = parsed
            self.prefix[name] = MAGIC + fp
            self._by_fp[fp] = (name, parsed)
        previous = schema_dir / "previous"
        for path in sorted(previous.glob("*.avsc")) if previous.is_dir() else []:
            raw = json.loads(path.read_text())
            fp = fingerprint(to_parsing_canonical_form(raw))
            self._by_fp.setdefault(fp, (raw["name"], fastavro.parse_schema(raw)))
        if not self.schemas:
            raise ConfigError(f"no Avro schemas found in {schema_dir}")

    def encode(self, name: str, record: dict[str, Any], *, check: bool = True) -> bytes:
        """Validate (fastavro alone would write a str as an array of characters, or truncate a
        float into a long) and encode; a record that does not fit its schema is an EncodeError.
        ``check=False`` is for records built to the schema by fiulink's own code on hot paths
        (the publisher after ``validate_report``, the worker's steps): the check costs several
        times the encoding of a report. A ``strict`` codec checks every record anyway."""
        schema = self.schemas.get(name)
        if schema is None:
            raise EncodeError(f"unknown record type {name!r}; known: {', '.join(sorted(self.schemas))}")
        try:
            if check or self.strict:
                validate(record, schema, raise_errors=True, strict=True)
        except (ValidationError, ValueError, TypeError, KeyError, AttributeError) as exc:
            raise EncodeError(f"cannot encode {name}: {exc}") from exc
        buf = io.BytesIO()
        buf.write(self.prefix[name])
        fastavro.schemaless_writer(buf, schema, record)
        return buf.getvalue()

    def decode(self, data: bytes, expect: str | None = None) -> tuple[str, dict[str, Any]]:
        """Return (schema name, record). Raises DecodeError naming what is wrong."""
        if not isinstance(data, bytes | bytearray | memoryview):
            raise DecodeError(f"expected bytes, got {type(data).__name__}")
        if data[:2] != MAGIC:
            raise DecodeError("not Avro single-object encoding (missing C3 01 marker)")
        if len(data) < 10:
            raise DecodeError(
                f"truncated header: C3 01 marker then {len(data) - 2} of the 8 fingerprint bytes"
            )
        fp = bytes(data[2:10])
        found = self._by_fp.get(fp)
        if found is None:
            raise DecodeError(
                f"unknown schema fingerprint {fp.hex()}: the writer used a schema this hub does not know"
            )
        name, writer = found
        if expect is not None and name != expect:
            raise DecodeError(f"expected a {expect} record, got {name}")
        stream = io.BytesIO(data[10:])
        try:
            reader = self.schemas[name]
            record = fastavro.schemaless_reader(stream, writer, reader if writer is not reader else None)
        except (
            EOFError,
            ValueError,
            TypeError,
            IndexError,
            KeyError,
            UnicodeDecodeError,
            OverflowError,
            MemoryError,
            struct.error,
        ) as exc:
            raise DecodeError(f"truncated or corrupt {name} body: {type(exc).__name__}: {exc}") from exc
        if stream.tell() != len(data) - 10:
            raise DecodeError(f"{len(data) - 10 - stream.tell()} trailing bytes after the {name} body")
        return name, record  # type: ignore[return-value]


@lru_cache(maxsize=1)
def codec() -> Codec:
    """The process-wide codec (schemas parsed once, lazily)."""
    return Codec()
