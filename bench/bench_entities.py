"""Entity-matching speed and size on one core: subjects encoded per second, encoded pairs
compared per second, bytes per encoded person.

Subjects are generated (seeded) before timing: persons (80%: given + family name from lists in
Latin with diacritics, Cyrillic, Arabic, Greek; a full birth date; one nationality) and
organisations (20%: a name with a legal form). Names are distinct full names; name *parts*
repeat, as in real feeds, so the per-part caches (transliteration, fold, bigram masks) help as
they would in the stream. Comparison: a batch of 10,000 encodings, 1,000,000 random pairs of
it, ``compare`` (gather + bit operations + weights), per CPU second, best of three. The last
line printed is a JSON object.

    .venv/bin/python bench/bench_entities.py [--subjects 20000] [--pairs 1000000]
"""

from __future__ import annotations

import argparse
import json
import random
import time

import numpy as np

from streams.core.entities import Batch, EntityEncoder, Subject, compare
from streams.core.entities.subjects import BirthDate

FIRST = [
    "Ivan",
    "Anna",
    "José",
    "Zoë",
    "Müller",
    "Иван",
    "Ольга",
    "Пётр",
    "محمد",
    "فاطمة",
    "Γεώργιος",
    "Maria",
    "Ahmed",
    "Jean-Pierre",
    "Łukasz",
    "Søren",
    "Nguyễn",
]
LAST = [
    "Petrov",
    "Петров",
    "Иванова",
    "Schmidt",
    "González",
    "O'Brien",
    "Kowalski",
    "حداد",
    "العتيبي",
    "Παπαδόπουλος",
    "Dubois",
    "Yılmaz",
    "Novák",
    "Østergaard",
]
ORGS = [
    "Alpha Trading",
    "Northwind Logistics",
    "ООО Ромашка",
    "Siemens",
    "Blue Ocean Shipping",
    "Golden Star Metals",
]
FORMS = ["LLC", "GmbH", "Ltd", "SARL", "Aktiengesellschaft", "ТОО", "S.A."]


def subjects(n: int, seed: int = 7) -> list[Subject]:
    rng = random.Random(seed)
    out: list[Subject] = []
    for i in range(n):
        if rng.random() < 0.8:
            name = f"{rng.choice(FIRST)} {rng.choice(FIRST)[:3]}{i % 97} {rng.choice(LAST)}"
            bd = BirthDate(rng.randrange(1940, 2005), rng.randrange(1, 13), rng.randrange(1, 29))
            out.append(Subject("person", (name,), bd, (rng.choice(["RU", "DE", "FR", "AE"]),)))
        else:
            out.append(Subject("organization", (f"{rng.choice(ORGS)} {i} {rng.choice(FORMS)}",)))
    return out


def cpu(fn) -> float:  # type: ignore[no-untyped-def]
    t = time.process_time()
    fn()
    return time.process_time() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--subjects", type=int, default=20_000)
    ap.add_argument("--pairs", type=int, default=1_000_000)
    args = ap.parse_args()
    subs = subjects(args.subjects)
    enc = EntityEncoder(b"bench key")
    enc.encode(subs[0])  # load rigour's tables outside the clock
    encoded: list[bytes] = []
    t_enc = cpu(lambda: encoded.extend(enc.encode(s) for s in subs))
    person = [e for s, e in zip(subs, encoded, strict=True) if s.kind == "person"]
    batch = Batch.of(encoded[:10_000])
    rng = np.random.default_rng(1)
    ia = rng.integers(0, len(batch), args.pairs)
    ib = rng.integers(0, len(batch), args.pairs)
    t_cmp = min(cpu(lambda: compare(batch, ia, batch, ib)) for _ in range(3))
    res = {
        "entity_encodes_per_s": round(len(subs) / t_enc),
        "entity_pairs_compared_per_s": round(args.pairs / t_cmp),
        "entity_person_bytes_mean": round(sum(map(len, person)) / len(person), 1),
        "entity_person_bytes_max": max(map(len, person)),
    }
    print(json.dumps(res))


if __name__ == "__main__":
    main()
