"""``fiulink explain``: why an FIU was told about a match, from its own notifications alone.

Everything shown comes from the FIU's own topic ``fiulink.notifications.<FIU>`` (readable under
its ACLs): which of its own report's fields matched, the counterpart FIU (and its report once it
may be revealed), the agreement and purpose the notice was decided under, the restrictions, and
what happened since (consent asked, released, refused). ``explain`` is a plain function over
those records; reading them is the caller's.
"""

from __future__ import annotations

from typing import Any

from streams.errors import InputError

Record = dict[str, Any]
MIN_PREFIX = 8  # characters of a match id accepted as an abbreviation

WHAT = {
    "hit": "hit: a report of {cf} shares this identifier with your report",
    "possible_hit": "possible hit: verify against your own data before acting",
    "consent_request": "consent requested: {cf} would learn of your report if you grant "
    "(fiulink consent answer {mid} --fiu {fiu} --grant|--refuse)",
    "consent_refused": "consent refused: {cf} did not agree to reveal its report",
    "hot_identifier": "hot identifier: held by many reports; no further hits for it",
    "sanctions_hit": "sanctions hit: a wallet in your report is on a sanctions list",
}


class MatchNotFoundError(InputError):
    """No notification of this FIU names the match."""


def resolve(notes: list[Record], match_id: str, fiu: str) -> str:
    """The full match id for ``match_id`` (a full id or a unique prefix of at least 8 characters)."""
    ids = {n["match_id"] for n in notes}
    if match_id in ids:
        return match_id
    found = sorted(i for i in ids if len(match_id) >= MIN_PREFIX and i.startswith(match_id))
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        raise MatchNotFoundError(
            f"{match_id} is the start of {len(found)} matches of {fiu}", hint="give more of the match id"
        )
    raise MatchNotFoundError(
        f"no notification to {fiu} names match {match_id}",
        hint=f"match ids are in {fiu}'s notifications (`fiulink tail notifications --fiu {fiu} "
        "--from-beginning`); a match the policy did not notify to this FIU cannot be explained to it",
    )


def explain(notes: list[Record], match_id: str, fiu: str) -> Record:
    """What ``fiu`` was told about the match, as one record: the match's kind and confidence, the
    FIU's own report(s) and matched fields, the counterpart, the terms, and the notices in order."""
    mid = resolve(notes, match_id, fiu)
    mine = sorted(
        (n for n in notes if n["match_id"] == mid and n.get("recipient_fiu") == fiu),
        key=lambda n: (n.get("created_at") or "", n["type"]),
    )
    first = mine[0]
    reports: dict[str, list[str]] = {}
    for n in mine:
        fields = reports.setdefault(n.get("recipient_report_id") or "", [])
        fields.extend(f for f in n.get("recipient_fields") or () if f not in fields)
    revealed = next((n["counterpart_report_id"] for n in mine if n.get("counterpart_report_id")), None)
    return {
        "match_id": mid,
        "fiu": fiu,
        "match_kind": first.get("match_kind"),
        "confidence": max((n["confidence"] for n in mine if n.get("confidence") is not None), default=None),
        "why": next((n["why"] for n in mine if n.get("why")), None),  # a fuzzy link's signals
        "your_reports": [{"report_id": r, "fields": f} for r, f in reports.items() if r],
        "counterpart_fiu": first.get("counterpart_fiu"),
        "counterpart_report_id": revealed,
        "agreement": next((n["agreement"] for n in mine if n.get("agreement")), None),
        "purpose": next((n["purpose"] for n in mine if n.get("purpose")), None),
        "restrictions": sorted({r for n in mine for r in n.get("restrictions") or ()}),
        "history": [
            {
                "at": n.get("created_at"),
                "type": n["type"],
                "notification_id": n["notification_id"],
                **({"message": n["message"]} if n.get("message") else {}),
            }
            for n in mine
        ],
    }


def render(e: Record) -> list[str]:
    """``explain``'s record for people, one line each."""
    conf = e["confidence"]
    kind = e["match_kind"] or "?"
    head = f"match {e['match_id']}: {kind}" + (
        f", {'exact' if conf == 1.0 else 'similar'} (confidence {conf:g})" if conf is not None else ""
    )
    cf = e["counterpart_fiu"]
    lines = [head]
    for r in e["your_reports"]:
        fields = ", ".join(r["fields"]) or "(not recorded: notified before fields were kept)"
        lines.append(f"  your report      {r['report_id']}")
        lines.append(f"  matched fields   {fields}")
    if e.get("why"):
        lines.append("  signals          " + ", ".join(f"{k} {v}" for k, v in e["why"].items()))
    if cf:
        shown = e["counterpart_report_id"] or "not revealed to you"
        lines.append(f"  counterpart      {cf}, report {shown}")
    if e["agreement"]:
        lines.append(f"  agreement        {e['agreement']}")
    if e["purpose"]:
        lines.append(f"  purpose          {e['purpose']}")
    if e["restrictions"]:
        lines.append(f"  restrictions     {', '.join(e['restrictions'])}")
    lines.append("  history")
    for h in e["history"]:
        what = WHAT.get(h["type"], h["type"]).format(cf=cf or "another FIU", mid=e["match_id"], fiu=e["fiu"])
        lines.append(f"    {h['at']}  {what}")
        if h.get("message"):
            lines.append(f"      message from {cf}: {h['message']}")
    return lines
