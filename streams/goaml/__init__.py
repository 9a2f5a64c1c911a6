"""goAML XML (UNODC's STR format, UAE 5.0.2 edition) -> fiulink StrReport records.

``convert_file`` reads a ``.xml`` (one ``<report>``, or a batch of them) or a ``.zip`` of them,
in constant memory, and gives one ``Converted`` per report: the record in the DESIGN.md JSON
shape, or the errors that reject it, plus warnings. The mapping is ../shared/goaml/MAPPING.md's.
Imports are lazy: the CLI imports ``streams.goaml.feed`` at start-up without paying for lxml.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from streams.goaml.report import Converted, Options
    from streams.goaml.xmlread import GoamlReadError

__all__ = ["Converted", "GoamlReadError", "Options", "convert_file"]


def __getattr__(name: str) -> Any:
    if name in ("Converted", "Options", "convert_report"):
        from streams.goaml import report

        return getattr(report, name)
    if name == "GoamlReadError":
        from streams.goaml.xmlread import GoamlReadError

        return GoamlReadError
    raise AttributeError(name)


def convert_file(path: Path, opts: Options, *, strict: bool = False) -> Iterator[Converted]:
    """Every report of ``path``. A file that stops being readable part-way gives its reports up
    to there and then one rejected entry naming the place and the reason; a report the mapping
    cannot handle is rejected alone."""
    from streams.goaml import report
    from streams.goaml.report import Converted
    from streams.goaml.xmlread import GoamlReadError, read_reports

    try:
        for found in read_reports(path):
            source = found.where.rsplit(":", 1)[0]
            try:
                done = report.convert_report(found.element, source, opts)
            except Exception as exc:  # a structure the mapping did not foresee: this report only
                line = found.element.sourceline or 0
                why = (
                    f"cannot be converted ({type(exc).__name__}: {exc}); please report this file's structure"
                )
                yield Converted(source, line, errors=[(line, "report", why)])
                continue
            if strict and done.skipped is None:
                from streams.goaml.schema import violations

                bad = violations(found.element)
                if bad:
                    done.errors = bad + done.errors
                    done.record = None
            yield done
    except GoamlReadError as exc:
        source, _, line = exc.where.rpartition(":")
        yield Converted(source, int(line or 0), errors=[(int(line or 0), exc.path, exc.reason)])
