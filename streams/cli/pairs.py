"""``fiulink pairs score``: score subject pairs exactly as the stream will (encode -> compare)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
import orjson

from streams.cli.common import settings_from
from streams.errors import InputError, ValidationError


@click.group()
def pairs() -> None:
    """Entity matching on pairs of persons or organisations (no broker needed)."""


def _read(path: Path) -> tuple[list[tuple[Any, Any, Any]], list[str]]:
    from streams.core.entities import subject_from_json

    good: list[tuple[Any, Any, Any]] = []
    problems: list[str] = []
    with path.open("rb") as f:
        for lineno, raw in enumerate(f, 1):
            if not raw.strip():
                continue
            where = f"{path}:{lineno}"
            try:
                obj = orjson.loads(raw)
            except orjson.JSONDecodeError as exc:
                problems.append(f"{where}: line: not JSON ({exc})")
                continue
            if not isinstance(obj, dict):
                problems.append(f"{where}: line: must be an object with id, a and b")
                continue
            errs: list[tuple[str, str]] = []
            if "id" not in obj:
                errs.append(("id", "missing"))
            sides = []
            for side in ("a", "b"):
                try:
                    sides.append(subject_from_json(obj.get(side), side))
                except ValidationError as exc:
                    errs.extend(exc.problems)
            if errs:
                problems.extend(f"{where}: {p}: {why}" for p, why in errs)
            else:
                good.append((where, obj["id"], tuple(sides)))
    return good, problems


@pairs.command("score")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--min-confidence", type=click.FloatRange(0, 1), default=None,
              help="score at or above which a pair is a match (default 0.90)")  # fmt: skip
@click.option("--review-confidence", type=click.FloatRange(0, 1), default=None,
              help="score at or above which a pair is possible (default 0.75)")  # fmt: skip
@click.pass_context
def score(
    ctx: click.Context, file: Path, min_confidence: float | None, review_confidence: float | None
) -> None:
    """Score the subject pairs of FILE (JSON Lines) through keyed encodings.

    \b
    Each line: {"id": ..., "a": SUBJECT, "b": SUBJECT}; SUBJECT: {"kind": "person" |
    "organization", "names": [...], "birth_date": "YYYY" | "YYYY-MM" | "YYYY-MM-DD",
    "nationalities": ["RU", ...], "country": "DE"} (all but names optional).
    Both sides are encoded with FIULINK_TOKEN_KEY and their encodings compared, as the stream
    does. One line out per pair: {"id", "score", "match", "decision": match|possible|no,
    "why": {"name": 0.91, "birth_date": "exact", "nationality": "agree"}}.
    Bad lines: file:line: field: reason on stderr; the rest is scored; exit 1 if any."""
    from streams.core.entities import MATCH_THRESHOLD, POSSIBLE_THRESHOLD, EntityEncoder
    from streams.core.entities.pairs import score_encoded

    s = settings_from(ctx)
    encoder = EntityEncoder(s.require_key())
    match = MATCH_THRESHOLD if min_confidence is None else min_confidence
    possible = POSSIBLE_THRESHOLD if review_confidence is None else review_confidence
    if possible > match:
        raise InputError("--review-confidence must not be above --min-confidence")
    good, problems = _read(file)
    ids: list[Any] = []
    encoded: list[tuple[bytes, bytes]] = []
    for where, pair_id, subjects in good:
        sides: list[bytes] = []
        for side, subject in zip("ab", subjects, strict=True):
            try:
                sides.append(encoder.encode(subject))
            except ValidationError as exc:  # a name with nothing left after normalisation
                problems.extend(f"{where}: {side}.{p}: {why}" for p, why in exc.problems)
        if len(sides) == 2:
            encoded.append((sides[0], sides[1]))
            ids.append(pair_id)
    for line in problems:
        click.echo(line, err=True)
    for pair_id, r in zip(ids, score_encoded(encoded, match, possible), strict=True):
        out = {"id": pair_id, "score": r.score, "match": r.match, "decision": r.decision, "why": r.why}
        click.echo(orjson.dumps(out).decode())
    if problems:
        sys.exit(1)
