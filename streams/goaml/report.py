"""One goAML ``<report>`` element -> one StrReport (the DESIGN.md JSON shape), with its problems.

Header (MAPPING.md §1): ``report_id`` = ``{fiu}:{rentity_id}:{entity_reference}`` (an empty
reference: ``sha256-`` + the first 16 hex digits of the report's XML); ``submitted_at`` from
``submission_date`` or ``report_date`` in UTC; ``narrative`` = reason + "Action taken: " +
action; ``typologies`` = the indicator codes; ``handling.sharing`` from the options (goAML has
no sharing model), with ``goaml:is_protected`` when a person is protected. The reporting entity
is named by the first account held at it (a ``*_my_client`` account), else ``rentity_branch``.
``reporting_person`` (the MLRO) is never a subject.

The result then gets the hub's own checks (``streams.core.validate``, ``streams.core.extract``):
a contract error rejects the report; an identifier that fails validation is a warning.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from streams.core.extract import identifiers_of
from streams.core.validate import validate_report
from streams.goaml import codes
from streams.goaml.parties import Context, Problem
from streams.goaml.times import to_utc
from streams.goaml.transactions import activity, transaction
from streams.goaml.xml import child, children, find, path_of, text


@dataclass(frozen=True)
class Options:
    fiu: str
    zone: Any  # a pytz time zone: the FIU's local time
    sharing: str = "consent"
    report_codes: frozenset[str] | None = None  # publish only these kinds (None: every kind)


@dataclass
class Converted:
    """One report: the record (None if rejected or skipped), its errors and warnings."""

    source: str  # the file (or ``file.zip!member.xml``)
    line: int  # where its <report> starts
    record: dict[str, Any] | None = None
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    skipped: str | None = None  # why a report of a kind not asked for was left out

    @property
    def where(self) -> str:
        return f"{self.source}:{self.line}"

    def lines(self) -> list[str]:
        """Each problem as ``file:line: element/path: reason`` (errors first)."""
        out = [f"{self.source}:{n}: {path}: {why}" for n, path, why in self.errors]
        return out + [f"{self.source}:{n}: {path}: warning: {why}" for n, path, why in self.warnings]


def _error(out: Converted, el: Any, reason: str, name: str | None = None) -> None:
    node = child(el, name) if name else None
    target = node if node is not None else el
    where = path_of(target) if node is not None or name is None else f"{path_of(el)}/{name}"
    out.errors.append((target.sourceline or 0, where, reason))


def _time(out: Converted, el: Any, names: tuple[str, ...], zone: Any) -> str | None:
    for name in names:
        value = text(el, name)
        if value is None:
            continue
        try:
            return to_utc(value, zone)
        except ValueError:
            _error(out, el, f"not a goAML date-time (YYYY-MM-DDThh:mm:ss): {value[:40]!r}", name)
            return None
    _error(out, el, "required", " | ".join(names) if len(names) > 1 else names[0])
    return None


def _reporting_entity(el: Any, ctx: Context, rentity_id: str | None) -> dict[str, Any]:
    acc = ctx.my_client_account
    name = (acc.institution_name if acc else None) or text(el, "rentity_branch")
    code = (text(el, "report_code") or "").upper()
    kind = codes.KIND_BY_REPORT_CODE.get(code)
    if kind is None and acc is not None:
        if acc.type_code == "CRYWT":
            kind = "vasp"
        elif (acc.non_bank or "").lower() in ("false", "0"):
            kind = "bank"
    return {"name": name, "kind": kind or "unknown", "id": rentity_id}


def convert_report(el: Any, source: str, opts: Options) -> Converted:
    out = Converted(source, el.sourceline or 0)
    code = (text(el, "report_code") or "").upper()
    if opts.report_codes is not None and code not in opts.report_codes:
        out.skipped = f"report_code {code or '(none)'} not among {', '.join(sorted(opts.report_codes))}"
        return out
    rentity_id = text(el, "rentity_id")
    if rentity_id is None:
        _error(out, el, "required", "rentity_id")
    reference = text(el, "entity_reference")
    ctx = Context(opts.fiu)
    if not reference:
        reference = "sha256-" + hashlib.sha256(etree.tostring(el)).hexdigest()[:16]
        ctx.warn(el, f"no entity_reference: report_id made from the report's content ({reference})")
    submitted = _time(out, el, ("submission_date", "report_date"), opts.zone)
    local = text(el, "currency_code_local")
    txs = []
    for t in children(el, "transaction"):
        try:
            txs.append(transaction(t, ctx, opts.zone, local))
        except ValueError as exc:
            _error(out, t, f"not a goAML date-time (YYYY-MM-DDThh:mm:ss): {exc}", "date_transaction")
    for a in children(el, "activity"):
        activity(a, ctx)
    reporter = _reporting_entity(el, ctx, rentity_id)
    narrative = [p for p in (text(el, "reason"), text(el, "action")) if p]
    if text(el, "action"):
        narrative[-1] = "Action taken: " + narrative[-1]
    typologies: list[str] = []
    for indicator in find(el, "report_indicators", "indicator"):
        if (value := text(indicator)) and value not in typologies:
            typologies.append(value)
    protected = any(s.protected for s in ctx.subjects.items)
    record = {
        "report_id": f"{opts.fiu}:{rentity_id}:{reference}",
        "fiu": opts.fiu,
        "submitted_at": submitted,
        "reporting_entity": reporter,
        "typologies": typologies,
        "handling": {"sharing": opts.sharing, "restrictions": ["goaml:is_protected"] if protected else []},
        "subjects": ctx.subjects.json(reporter["name"]),
        "transactions": txs,
        "narrative": "\n\n".join(narrative) or None,
    }
    out.warnings = ctx.warnings
    if out.errors:
        return out
    line = el.sourceline or 0
    checked, problems = validate_report(record)
    if checked is None:
        out.errors += [(line, f"json:{p or '<record>'}", why) for p, why in problems]
        return out
    _, bad = identifiers_of(checked)
    out.warnings += [(line, f"json:{p}", f"{why}: left out of matching") for p, why in bad]
    out.record = record
    return out
