"""``fiulink convert goaml``: goAML XML -> StrReport JSON Lines on stdout (nothing else there)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from streams.errors import ConfigError

SHARING = click.Choice(["auto", "consent", "none"])
FIU_HELP = "the FIU the reports belong to (ISO 3166 alpha-2; goAML never names it)"
TZ_HELP = "IANA time zone of the file's local times (default: the FIU country's zone, if it has one)"
SHARING_HELP = "handling.sharing of every report (goAML carries none)"
CODES_HELP = "only reports of these report_code values, comma-separated (default: every kind)"


def options(fiu: str, tz: str | None, sharing: str, report_codes: str | None):  # type: ignore[no-untyped-def]
    """The conversion options from the flags (a ConfigError for a bad FIU or zone)."""
    from streams.goaml import Options
    from streams.goaml.times import zone_for

    fiu = fiu.strip().upper()
    if len(fiu) != 2 or not fiu.isalpha() or not fiu.isascii():
        raise ConfigError(f"--fiu {fiu!r} is not an ISO 3166 alpha-2 code", hint="e.g. --fiu AE")
    codes = (
        frozenset(c.strip().upper() for c in report_codes.split(",") if c.strip()) if report_codes else None
    )
    return Options(fiu, zone_for(fiu, tz), sharing, codes)


@click.group()
def convert() -> None:
    """Convert other report formats to fiulink's StrReport JSON Lines (no broker needed)."""


@convert.command("goaml")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--fiu", required=True, help=FIU_HELP)
@click.option("--tz", help=TZ_HELP)
@click.option(
    "--strict",
    is_flag=True,
    help="validate each report against the goAML XSD (XSD 1.1) and reject it if it fails",
)
@click.option("--sharing", type=SHARING, default="consent", show_default=True, help=SHARING_HELP)
@click.option("--report-codes", help=CODES_HELP)
def convert_goaml(files: tuple[Path, ...], fiu: str, tz: str | None, strict: bool, sharing: str,
                  report_codes: str | None) -> None:  # fmt: skip
    """goAML XML reports (UNODC's format, UAE 5.0.2 edition) -> one StrReport JSON line per
    report on stdout.

    \b
    FILES are .xml files (one <report>, or a batch element holding several) or .zip uploads
    of them. report_id = FIU:RENTITY_ID:ENTITY_REFERENCE; local times become UTC with --tz;
    birth dates are kept as written; amounts stay decimal strings. Parsing refuses DTDs,
    entities and network access. Problems go to stderr as FILE:LINE: ELEMENT/PATH: REASON
    (warnings say "warning:"). By default the XSD is not enforced (the UAE file's name
    patterns reject real names in strict validators); --strict enforces it with those
    patterns fixed. Exit 1 if a report was rejected. The mapping: docs/feed.md#goaml."""
    from streams.goaml import convert_file
    from streams.publish import jsonl_line

    opts = options(fiu, tz, sharing, report_codes)
    counts = {"converted": 0, "rejected": 0, "skipped": 0}
    for path in files:
        seen = 0
        for done in convert_file(path, opts, strict=strict):
            seen += 1
            for line in done.lines():
                click.echo(line, err=True)
            if done.skipped:
                counts["skipped"] += 1
                click.echo(f"{done.where}: report: skipped: {done.skipped}", err=True)
            elif done.record is None:
                counts["rejected"] += 1
            else:
                counts["converted"] += 1
                sys.stdout.write(jsonl_line(done.record))
        if seen == 0:
            click.echo(f"warning: {path}: no <report> in it", err=True)
    sys.stdout.flush()
    click.echo(
        f"{counts['converted']} converted, {counts['rejected']} rejected, {counts['skipped']} skipped",
        err=True,
    )
    if counts["rejected"]:
        sys.exit(1)
