"""``--strict``: each report validated against the UAE goAML 5.0.2 XSD, in XSD 1.1 mode.

The schema declares ``vc:minVersion="1.1"``, so an XSD 1.0 processor that honours it skips the
whole schema: ``xmlschema.XMLSchema11`` is used. The file as the FIU publishes it anchors 27
name patterns with ``^...$``; in XSD regular expressions those are literal characters, so under
the file as published every real name fails. The FIU's own (.NET) validator reads them as
anchors; here they are dropped when the schema is loaded (the shipped file is unchanged).
"""

from __future__ import annotations

import re
from functools import cache
from importlib.resources import files
from typing import Any

from streams.goaml.parties import Problem

XSD = "goAMLSchema-5.0.2-UAE.xsd"
_ANCHORED = re.compile(r'(<xs:pattern\s+value=")\^([^"]*)\$(")')


def patched_xsd_text() -> str:
    raw = files("streams.goaml").joinpath("xsd", XSD).read_text(encoding="utf-8")
    return _ANCHORED.sub(r"\1\2\3", raw)


@cache
def schema() -> Any:
    import xmlschema

    return xmlschema.XMLSchema11(patched_xsd_text())


def violations(report: Any, limit: int = 20) -> list[Problem]:
    """The XSD violations of one ``<report>`` element: (line, element path, reason)."""
    out: list[Problem] = []
    for err in schema().iter_errors(report):
        elem = getattr(err, "elem", None)
        line = getattr(elem, "sourceline", None) or report.sourceline or 0
        path = (err.path or "/report").lstrip("/")
        reason = err.reason or err.message
        value = getattr(elem, "text", None)
        if value and len(value.strip()) and "pattern" in reason:
            reason = f"{reason} (value {value.strip()[:60]!r})"
        out.append((line, path, f"XSD: {reason}"))
        if len(out) >= limit:
            break
    return out
