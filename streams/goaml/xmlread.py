"""Reading goAML files safely and in constant memory: each ``<report>`` element, one at a time.

- lxml's incremental ``iterparse`` with entity resolution, DTD loading and network access off.
  A document with a DOCTYPE is refused before any content is read: goAML files have none, and
  refusing it closes both entity expansion ("billion laughs") and external entities (XXE).
  libxml2's own limits stay on (``huge_tree=False``: no text node over 10 MB, bounded depth).
- A report element is handed out when it is complete and freed right after, with the siblings
  already handled, so a file of 100,000 reports needs the memory of one.
- A file's root is a ``<report>`` (the goAML form: one report per file); any other root (a
  batch export, say ``<reports>``) is read as a container of ``<report>`` children.
- Encodings: whatever the XML declaration and BOM say (UTF-8 with or without BOM, UTF-16 with
  BOM, a declared windows-1252). Bytes that do not fit the declared encoding are an error.
- A ``.zip`` (the goAML B2B upload) is read entry by entry: its ``*.xml`` members, named
  ``file.zip!member.xml``; other members (attachments) are skipped.
- Namespaces are stripped (goAML documents have none, a namespaced copy is still read).
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from lxml import etree

from streams.errors import FiulinkError

DOCTYPE_REFUSED = (
    "a DOCTYPE declaration is refused (goAML files have none; entity expansion and external "
    "entities are not allowed)"
)


class GoamlReadError(FiulinkError):
    """A goAML file cannot be read at all past some point (not XML, a DOCTYPE, bad bytes)."""

    def __init__(self, where: str, path: str, reason: str) -> None:
        super().__init__(f"{where}: {path}: {reason}")
        self.where, self.path, self.reason = where, path, reason


@dataclass(frozen=True)
class FoundReport:
    """One complete ``<report>`` element and where it starts (``file:line``)."""

    where: str
    element: Any  # lxml.etree._Element, freed by the reader once the consumer moves on


def local(tag: Any) -> str:
    """The tag without its namespace ('' for comments and processing instructions)."""
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def _strip_namespaces(el: Any) -> None:
    for node in el.iter(tag=etree.Element):
        if node.tag.startswith("{"):
            node.tag = local(node.tag)


def _reports(source: IO[bytes] | str, name: str) -> Iterator[FoundReport]:
    etree.clear_error_log()  # the log is per thread: only this file's errors are read below
    parser = etree.iterparse(
        source,
        events=("start", "end"),
        tag="{*}report",  # only report elements (any or no namespace) make events: the rest is built, not visited
        resolve_entities=False,
        load_dtd=False,
        no_network=True,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    checked = False
    try:
        for event, el in parser:
            if not checked:  # the DTD, if any, is known before the first report begins
                checked = True
                if el.getroottree().docinfo.doctype:
                    raise GoamlReadError(f"{name}:{el.sourceline}", "report", DOCTYPE_REFUSED)
            if event == "start":
                continue
            parent = el.getparent()
            if parent is not None and parent.getparent() is not None:
                continue  # a report inside a report: part of the outer one
            if el.tag.startswith("{"):
                _strip_namespaces(el)
            yield FoundReport(f"{name}:{el.sourceline}", el)
            el.clear()
            if parent is not None:  # the finished siblings too: constant memory
                while el.getprevious() is not None:
                    del parent[0]
    except etree.XMLSyntaxError as exc:
        log = [e for e in exc.error_log if e.level_name in ("ERROR", "FATAL")]
        first = log[0] if log else None  # libxml2's first error says more than the exception
        line = (first.line if first is not None else 0) or exc.lineno or 0
        msg = first.message if first is not None else str(exc.msg)
        raise GoamlReadError(f"{name}:{line}", "<document>", _syntax_reason(msg)) from None


def _syntax_reason(msg: str) -> str:
    msg = msg.split(", line ", 1)[0].strip()
    if "Entity" in msg and "not defined" in msg:
        return f"not well-formed XML: {msg} (entities are not allowed in goAML files)"
    if "huge" in msg.lower() or "limit" in msg.lower():
        return f"not read: {msg} (a text node over 10 MB or nesting too deep)"
    return f"not well-formed XML: {msg}"


def read_reports(path: Path) -> Iterator[FoundReport]:
    """Every report of an XML file or of the ``*.xml`` members of a ZIP, in order."""
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                if info.is_dir() or not info.filename.lower().endswith(".xml"):
                    continue
                with zf.open(info) as member:
                    yield from _reports(member, f"{path}!{info.filename}")
        return
    with path.open("rb") as f:
        yield from _reports(f, str(path))
