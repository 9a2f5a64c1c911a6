"""``fiulink generate``: a realistic synthetic STR feed with planted cross-border networks.

Writes one JSON Lines file per FIU (``feed-XX.jsonl``), the policy it was made for
(``policy.toml``), the known service wallets (``service-wallets.txt``) and ``truth.json``: the
hits that must be notified (recipient FIU + report, counterpart report, kind).

Planted: shared wallets, the same person under transliterated names with a birth date, shared
documents, e-mails and phones, funds flowing to a wallet another FIU reported. Decoys: same-FIU
overlaps (domestic), an exchange service wallet in many reports (never linked), an unknown wallet
in many reports (turns hot: one alert per FIU), near-miss addresses with a broken checksum.

For fuzzy entity links (``fiulink worker --entity-links``): persons and companies written two ways
with no identifier in common (``streams.generate_entities.VARIANTS``), in the truth's
``fuzzy_links`` (both directions, like ``must_notify``), and hard negatives (two alike that must not
link) in ``hard_negatives``. Every other person is drawn once, so any other fuzzy link is a false one.
"""

from __future__ import annotations

import itertools
import json
import random
from pathlib import Path
from typing import Any

from streams.core.identifiers.bech32 import encode_segwit
from streams.core.identifiers.evm import eip55_checksum
from streams.errors import InputError
from streams.generate_entities import (
    FIRST,
    NEGATIVES,
    VARIANTS,
    Identities,
    PoolExhausted,
    negative_pair,
    variant_pair,
)

FIU_CODES = ["FR", "DE", "NL", "SG", "IT", "ES", "BE", "AT", "PL", "SE", "PT", "IE", "LU", "CH", "GB", "JP"]
PEOPLE = [
    ("Иван Петров", "PETROV, Ivan"),
    ("Дмитрий Соколов", "Dmitrii SOKOLOV"),
    ("Ольга Смирнова", "SMIRNOVA Olga"),
    ("José Muñoz", "MUNOZ, Jose"),
    ("François Lefèvre", "Francois LEFEVRE"),
    ("Jürgen Groß", "GROSS, Jurgen"),
    ("Αλέξανδρος Παπαδόπουλος", "Alexandros PAPADOPOULOS"),
    ("Zoë Ø. Hansen", "HANSEN, Zoe O."),
]
PHONE_PREFIX = {
    "FR": "+33 6",
    "DE": "+49 151",
    "NL": "+31 6",
    "SG": "+65 9",
    "IT": "+39 3",
    "ES": "+34 6",
    "BE": "+32 47",
}
TYPOLOGIES = ["ransomware", "mixer", "darknet-market", "fraud", "sanctions", "scam", "terrorist-financing"]


class _Gen:
    def __init__(self, fius: list[str], seed: int) -> None:
        self.rng = random.Random(seed)
        self.fius = fius
        self.counter = dict.fromkeys(fius, 0)
        self.ids = Identities(self.rng)  # every person drawn once: no namesakes by chance

    def report_id(self, fiu: str) -> str:
        self.counter[fiu] += 1
        return f"{fiu}-2026-{self.counter[fiu]:06d}"

    def btc(self) -> str:
        return encode_segwit("bc", 0, self.rng.randbytes(20))

    def eth(self) -> str:
        return eip55_checksum("0x" + self.rng.randbytes(20).hex())

    def wallet(self) -> dict[str, str]:
        return (
            {"chain": "btc", "address": self.btc()}
            if self.rng.random() < 0.5
            else {"chain": "eth", "address": self.eth()}
        )

    def email(self) -> str:
        return f"{self.rng.choice(FIRST).lower()}.{self.rng.randrange(10**6)}@example-{self.rng.randrange(50)}.org"

    def phone(self, fiu: str) -> str:
        base = PHONE_PREFIX.get(fiu, "+49 151")
        return f"{base}{self.rng.randrange(10**7, 10**8)}"

    def person(self, entity: dict[str, Any] | None = None) -> dict[str, Any]:
        """A subject with a wallet and an e-mail of its own: ``entity`` (kind, names, birth date),
        or a new person drawn once."""
        if entity is None:
            p = self.ids.person()
            entity = {"kind": "person", "names": [p.name()], "birth_date": p.birth_date()}
        return {**entity, "wallets": [self.wallet()], "emails": [self.email()]}

    def report(
        self,
        fiu: str,
        subject: dict[str, Any],
        *,
        sharing: str = "auto",
        txs: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        return {
            "report_id": self.report_id(fiu), "fiu": fiu,
            "submitted_at": f"2026-11-{self.rng.randrange(1, 25):02d}T{self.rng.randrange(24):02d}:{self.rng.randrange(60):02d}:00Z",
            "reporting_entity": {"name": f"VASP {self.rng.randrange(100)} Ltd", "kind": "vasp"},
            "typologies": self.rng.sample(TYPOLOGIES, 2),
            "handling": {"sharing": sharing, "restrictions": ["no-onward-dissemination"]},
            "subjects": [{"subject_id": "s1", **subject}],
            "transactions": txs or [],
            "narrative": "Customer moved funds through several intermediary wallets shortly after deposit.",
        }  # fmt: skip


def generate(n_fius: int, n_reports: int, seed: int, out: Path, hot_threshold: int = 10) -> dict[str, Any]:
    if not 2 <= n_fius <= len(FIU_CODES):
        raise InputError(f"--fius must be between 2 and {len(FIU_CODES)}, not {n_fius}")
    if n_reports < 1:
        raise InputError(f"--reports must be at least 1, not {n_reports}")
    fius = FIU_CODES[:n_fius]
    g = _Gen(fius, seed)
    rows: dict[str, list[dict[str, Any]]] = {f: [] for f in fius}
    links: list[tuple[str, str, str, str, str]] = []  # (fiu_a, rid_a, fiu_b, rid_b, kind)
    fuzzy: list[tuple[str, str, str, str, str, str]] = []  # ... kind (person/organization), variant
    negatives: list[dict[str, Any]] = []
    deny = (fius[-1], fius[-2]) if n_fius >= 4 else None  # one pair without an agreement

    def add(r: dict[str, Any]) -> dict[str, Any]:
        rows[r["fiu"]].append(r)
        return r

    def pair() -> tuple[str, str]:
        a, b = g.rng.sample(fius, 2)
        return a, b

    n_networks = max(1, n_reports // 10)
    for i in range(n_networks):
        a, b = pair()
        kind = ["wallet", "name_dob", "document", "email", "phone", "flow"][i % 6]
        sa, sb = g.person(), g.person()
        if kind == "wallet":
            w = g.wallet()
            sa["wallets"].append(w)
            sb["wallets"].append(
                {
                    "chain": w["chain"],
                    "address": w["address"].upper() if w["chain"] == "btc" else w["address"].lower(),
                }
            )
        elif kind == "name_dob":
            cyr, lat = PEOPLE[i % len(PEOPLE)]
            dob = f"{1940 + i % 49}-{1 + (i // 49) % 12:02d}-{1 + i % 28:02d}"
            sa.update(names=[cyr], birth_date=dob)
            sb.update(names=[lat], birth_date=dob)
            # the same person, a different dob elsewhere: must not link
            decoy = g.person()
            decoy.update(names=[lat], birth_date=f"{1900 + (i // len(PEOPLE)) % 40}-01-{1 + i % 28:02d}")
            add(g.report(g.rng.choice(fius), decoy))
        elif kind == "document":
            num = f"{g.rng.randrange(10**8, 10**9)}"
            sa["documents"] = [{"type": "passport", "number": num, "country": "RU"}]
            sb["documents"] = [
                {"type": "passport", "number": f"{num[:3]} {num[3:6]}-{num[6:]}", "country": "ru"}
            ]
        elif kind == "email":
            e = g.email()
            sa["emails"].append(e)
            sb["emails"].append(e.upper())
        elif kind == "phone":
            local = g.rng.randrange(10**7, 10**8)
            sa["phones"] = [f"+49 151 {local}"]
            sb["phones"] = [f"0151-{local}"]
            sb["nationalities"] = ["DE"]
        ra = add(g.report(a, sa))
        if kind == "flow":  # funds flowing from a's subject to a wallet b reported
            w = sb["wallets"][0]
            txs = [{"chain": w["chain"], "tx_hash": "0x" + g.rng.randbytes(32).hex() if w["chain"] == "eth" else g.rng.randbytes(32).hex(),
                    "from_address": sa["wallets"][0]["address"] if sa["wallets"][0]["chain"] == w["chain"] else None,
                    "to_address": w["address"], "asset": "USDT", "amount": "1250.00", "timestamp": "2026-11-19T08:00:00Z"}]  # fmt: skip
            ra["transactions"] = txs
            kind = "wallet"
        rb = add(g.report(b, sb))
        links.append((a, ra["report_id"], b, rb["report_id"], kind))
        if kind == "name_dob":  # the same person in two scripts: a fuzzy link as well
            fuzzy.append((a, ra["report_id"], b, rb["report_id"], "person", "name_dob"))

    # fuzzy links: one identity written two ways (no shared identifier); hard negatives: two alike
    for i in range(max(1, n_reports // 20)):
        a, b = pair()
        how = VARIANTS[i % len(VARIANTS)]
        try:
            drawn = variant_pair(g.ids, how)
        except PoolExhausted:  # a large feed used up the companies or a script's names
            how = "typo"
            drawn = variant_pair(g.ids, how)
        sa, sb = (g.person(e) for e in drawn)
        ra, rb = add(g.report(a, sa)), add(g.report(b, sb))
        fuzzy.append((a, ra["report_id"], b, rb["report_id"], sa["kind"], how))
    for i in range(max(1, n_reports // 40)):
        a, b = pair()
        how = NEGATIVES[i % len(NEGATIVES)]
        try:
            drawn = negative_pair(g.ids, how)
        except PoolExhausted:
            how = "namesake"
            drawn = negative_pair(g.ids, how)
        sa, sb = (g.person(e) for e in drawn)
        ra, rb = add(g.report(a, sa)), add(g.report(b, sb))
        negatives.append(
            {"fius": [a, b], "reports": [ra["report_id"], rb["report_id"]], "kind": sa["kind"], "why": how}
        )

    # decoys: same-FIU overlaps, an exchange service wallet, a hot wallet, near-miss addresses
    for _ in range(max(1, n_reports // 50)):
        f = g.rng.choice(fius)
        e = g.email()
        for _ in range(2):
            s = g.person()
            s["emails"].append(e)
            add(g.report(f, s))
    service = g.btc()
    hot = g.eth()
    for _ in range(max(2, n_reports // 40)):
        s = g.person()
        s["wallets"].append({"chain": "btc", "address": service})
        add(g.report(g.rng.choice(fius), s))
    for k in range(hot_threshold + 5):
        s = g.person()
        s["wallets"].append({"chain": "eth", "address": hot})
        add(g.report(fius[k % len(fius)], s))
    for _ in range(max(1, n_reports // 100)):
        s = g.person()
        good = g.btc()
        s["wallets"].append({"chain": "btc", "address": good[:-1] + ("q" if good[-1] != "q" else "p")})
        add(g.report(g.rng.choice(fius), s))
    while sum(map(len, rows.values())) < n_reports:  # noise
        add(g.report(g.rng.choice(fius), g.person()))

    out.mkdir(parents=True, exist_ok=True)
    agreements = [p for p in itertools.combinations(fius, 2) if set(p) != set(deny or ())]
    policy = [f"fius = {json.dumps(fius)}", 'default = "deny"', ""]
    for p in agreements:
        policy += ["[[agreement]]", f"fius = {json.dumps(list(p))}", 'mode = "auto"', ""]
    (out / "policy.toml").write_text("\n".join(policy))
    (out / "service-wallets.txt").write_text(f"# known exchange wallets: never linked\nbtc {service}\n")
    must = []
    for fa, ra, fb, rb, kind in links:
        if deny and {fa, fb} == set(deny):
            continue
        must.append(
            {"recipient_fiu": fa, "recipient_report_id": ra, "counterpart_report_id": rb, "match_kind": kind}
        )
        must.append(
            {"recipient_fiu": fb, "recipient_report_id": rb, "counterpart_report_id": ra, "match_kind": kind}
        )
    fuzzy_must = [
        {"recipient_fiu": x, "recipient_report_id": rx, "counterpart_report_id": ry, "match_kind": kind, "variant": how}
        for fa, ra, fb, rb, kind, how in fuzzy
        if not (deny and {fa, fb} == set(deny))
        for x, rx, ry in ((fa, ra, rb), (fb, rb, ra))
    ]  # fmt: skip
    denied = [
        {"fius": [fa, fb], "reports": [ra, rb]}
        for fa, ra, fb, rb, *_ in [*links, *fuzzy]
        if deny and {fa, fb} == set(deny)
    ]
    truth = {"seed": seed, "fius": fius, "reports": sum(map(len, rows.values())), "must_notify": must,
             "fuzzy_links": fuzzy_must, "hard_negatives": negatives,
             "denied_links": denied, "hot_wallet": {"chain": "eth", "address": hot}, "service_wallet": service}  # fmt: skip
    (out / "truth.json").write_text(json.dumps(truth, indent=1))
    for f, rs in rows.items():
        g.rng.shuffle(rs)
        (out / f"feed-{f}.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rs))
    return truth
