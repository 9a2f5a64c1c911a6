"""``fiulink publish`` of goAML files: each report converted, then checked, counted, kept and sent
exactly like a JSON Lines line (``streams.publish.Publisher``): the same counts, progress,
rejects/warnings files beside the input and exit code. A report is named by ``file:line`` of its
``<report>``; each problem names its element as ``convert goaml`` does. ``--strict`` also
validates each report against the XSD."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from streams.errors import ConfigError

if TYPE_CHECKING:
    from streams.publish import Kept, Publisher

GOAML_SUFFIXES = (".xml", ".zip")


@dataclass(frozen=True)
class GoamlInput:
    """Which files are goAML (``--format``, else the suffix) and how to convert them."""

    format: str | None  # "goaml", "jsonl" or None (by suffix)
    fiu: str | None
    tz: str | None
    sharing: str
    report_codes: str | None = None

    def applies(self, path: Path) -> bool:
        if self.format is not None:
            return self.format == "goaml"
        return path.suffix.lower() in GOAML_SUFFIXES

    @functools.cached_property
    def options(self) -> Any:
        from streams.goaml.cli import options

        if not self.fiu:
            raise ConfigError("goAML files do not name their FIU", hint="pass --fiu XX (e.g. --fiu AE)")
        return options(self.fiu, self.tz, self.sharing, self.report_codes)


def read_goaml(pub: Publisher, goaml: GoamlInput, path: Path, start: float, kept: Kept) -> None:
    from streams.core.validate import validate_report
    from streams.goaml import convert_file
    from streams.publish import jsonl_line

    last = time.monotonic()
    seen = 0
    for done in convert_file(path, goaml.options, strict=pub.strict):
        if done.skipped:
            pub.say(f"{done.where}: report: skipped: {done.skipped}")
            continue
        seen += 1
        pub.stats.read += 1
        for line in done.lines():
            pub.say(line)
        errors = [(p, why) for _, p, why in done.errors]
        warnings = [(p, why) for _, p, why in done.warnings]
        record = validate_report(done.record)[0] if done.record is not None else None
        if record is not None:
            no_feed = pub.no_feed(record)
            errors += no_feed
            for p, why in no_feed:
                pub.say(f"{done.where}: {p}: {why}")
        raw = jsonl_line(done.record).rstrip("\n") if done.record is not None else ""
        if (errors or warnings) and pub.note_problems(kept, done.where, raw, errors, warnings, quiet=True):
            continue
        assert record is not None  # no errors: converted and validated
        pub.send_report(record)
        now = time.monotonic()
        if now - last >= pub.progress_every:
            last = now
            pub.say(f"  {path.name}: report {seen}, {pub.stats.published} published, "
                    f"{pub.stats.rejected} rejected, {pub.stats.published / (now - start):,.0f} records/s")  # fmt: skip
    if seen == 0:
        pub.say(f"warning: {path}: no <report> in it")


def publish_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The goAML flags of ``fiulink publish``, handed to the command as one ``goaml`` argument."""

    @click.option("--format", "format_", type=click.Choice(["jsonl", "goaml"]),
                  help="input format (default: goaml for .xml/.zip files, jsonl otherwise)")  # fmt: skip
    @click.option("--fiu", help="goAML: the FIU the reports belong to (ISO 3166 alpha-2)")
    @click.option("--tz", help="goAML: IANA time zone of local times (default: the FIU's, if it has one)")
    @click.option("--sharing", type=click.Choice(["auto", "consent", "none"]), default="consent",
                  show_default=True, help="goAML: handling.sharing of every report")  # fmt: skip
    @click.option("--report-codes", help="goAML: only these report_code values, comma-separated")
    @functools.wraps(fn)
    def wrapper(*args: Any, format_: str | None, fiu: str | None, tz: str | None, sharing: str,
                report_codes: str | None, **kwargs: Any) -> Any:  # fmt: skip
        return fn(*args, goaml=GoamlInput(format_, fiu, tz, sharing, report_codes), **kwargs)

    return wrapper
