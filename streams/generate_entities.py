"""Persons and companies for ``fiulink generate``: unique identities, the spelling variants two FIUs
write the same one with (fuzzy links), and hard negatives (different ones written alike).

Every identity is drawn once: no two identities share a name and a birth year (``Identities``),
so a fuzzy link between two reports that the truth does not plant is a false one, not a namesake
the generator made by chance. Variants (``VARIANTS``): another script or romanisation, a typo,
swapped name order, a missing middle name, a partial birth date, a company's legal form spelled
another way. Hard negatives (``NEGATIVES``): a one-letter-different name of another person born
another year, the same name born another year, another person born the same day, a company that
shares one word of the name.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

FIRST = ["Anna", "Lukas", "Marie", "Jonas", "Sofia", "Noah", "Emma", "Leon", "Mia", "Elias", "Lea", "Paul",
         "Nina", "Clara", "Felix", "Greta", "Hugo", "Ines", "Jakob", "Karla", "Lorenz", "Marta", "Nils", "Olivia",
         "Pietro", "Quentin", "Rosa", "Simon", "Tilda", "Ulrich", "Vera", "Wim", "Xenia", "Yannick", "Zora",
         "Amelie", "Bruno", "Cecile", "Dario", "Esther", "Fabian", "Gisela", "Henrik", "Ida", "Joost", "Katja",
         "Matteo", "Nora", "Oskar", "Pauline", "Ruben", "Selma", "Theo", "Valentin", "Wilma", "Bastian"]  # fmt: skip
MIDDLE = ["Maria", "Johann", "Louise", "Pieter", "Elisabeth", "Karl", "Theresa", "Anton", "Sophie", "Georg"]
LAST = ["Berg", "Klein", "Wolf", "Roth", "Vogel", "Jansen", "Dubois", "Rossi", "Tan", "Lim", "Novak", "Costa",
        "Albrecht", "Brandt", "Castell", "Dekker", "Engel", "Fontaine", "Gallo", "Hartmann", "Isaksen", "Jovanovic",
        "Kowalski", "Lindqvist", "Moreau", "Nieminen", "Oliveira", "Pichler", "Quist", "Ramirez", "Sandoval",
        "Thalberg", "Urbanek", "Vasquez", "Wegener", "Ylonen", "Zielinski", "Achterberg", "Bianchi", "Carvalho",
        "Dimitriou", "Eriksson", "Ferreira", "Gruber", "Haugland", "Ivanovic", "Jaskolski", "Kessler", "Lombardi",
        "Marchetti", "Nakamura", "Ostrowski", "Petersen", "Rasmussen", "Steiner", "Toivonen", "Vidal"]  # fmt: skip
# given names and surnames in another script with two Latin romanisations each (the usual
# passport / press spellings); a person is one given name and one surname of the same script
SCRIPTS: dict[str, tuple[str, list[tuple[str, str, str]], list[tuple[str, str, str]]]] = {
    "cyrillic": ("RU", [
        ("Дмитрий", "Dmitry", "Dmitrii"), ("Юлия", "Yulia", "Iuliia"), ("Алексей", "Alexey", "Aleksei"),
        ("Евгений", "Yevgeny", "Evgenii"), ("Наталья", "Natalya", "Natalia"), ("Сергей", "Sergey", "Sergei"),
        ("Ксения", "Kseniya", "Ksenia"), ("Андрей", "Andrey", "Andrei"), ("Татьяна", "Tatyana", "Tatiana"),
        ("Михаил", "Mikhail", "Mikhail"), ("Юрий", "Yury", "Iurii"), ("Ольга", "Olga", "Olga"),
    ], [
        ("Соколов", "Sokolov", "Sokolov"), ("Кузнецова", "Kuznetsova", "Kuznetsova"), ("Воробьёв", "Vorobyov", "Vorobev"),
        ("Жуков", "Zhukov", "Zhukov"), ("Щербакова", "Shcherbakova", "Shcherbakova"), ("Ковальчук", "Kovalchuk", "Kovalchuk"),
        ("Фёдорова", "Fyodorova", "Fedorova"), ("Хмельницкий", "Khmelnitsky", "Khmelnitskii"),
        ("Белоусова", "Belousova", "Belousova"), ("Зайцев", "Zaytsev", "Zaitsev"), ("Григорьев", "Grigoryev", "Grigorev"),
        ("Яковлева", "Yakovleva", "Iakovleva"), ("Никитин", "Nikitin", "Nikitin"), ("Тихонов", "Tikhonov", "Tikhonov"),
    ]),
    "greek": ("GR", [
        ("Γιώργος", "Giorgos", "Yiorgos"), ("Κωνσταντίνος", "Konstantinos", "Constantinos"), ("Δημήτρης", "Dimitris", "Dimitrios"),
        ("Ελένη", "Eleni", "Helen"), ("Νικόλαος", "Nikolaos", "Nikolaos"), ("Μαρία", "Maria", "Maria"),
    ], [
        ("Παπαδόπουλος", "Papadopoulos", "Papadopoulos"), ("Νικολάου", "Nikolaou", "Nicolaou"),
        ("Γεωργίου", "Georgiou", "Yeorgiou"), ("Οικονόμου", "Oikonomou", "Economou"),
        ("Βασιλείου", "Vasileiou", "Vassiliou"), ("Καραγιάννης", "Karagiannis", "Karayannis"),
    ]),
    "arabic": ("AE", [
        ("محمد", "Mohammed", "Muhammad"), ("أحمد", "Ahmed", "Ahmad"), ("يوسف", "Youssef", "Yusuf"),
        ("خالد", "Khaled", "Khalid"), ("عمر", "Omar", "Umar"), ("فاطمة", "Fatima", "Fatma"),
    ], [
        ("حسن", "Hassan", "Hasan"), ("إبراهيم", "Ibrahim", "Ebrahim"), ("منصور", "Mansour", "Mansur"),
        ("الحسيني", "Al-Husseini", "Alhusseini"), ("عبدالله", "Abdullah", "Abdallah"), ("القاسم", "Al-Qasim", "Alkasim"),
    ]),
}  # fmt: skip
COMPANY_A = ["Nordwind", "Baltic", "Alpine", "Sunrise", "Orion", "Meridian", "Atlas", "Helios", "Cobalt", "Granite",
             "Silverline", "Bluewater", "Evergreen", "Falcon", "Harbour", "Ironbridge", "Juniper", "Keystone",
             "Lighthouse", "Monarch", "Northstar", "Oakfield", "Pinnacle", "Redwood", "Sapphire", "Tidewater"]  # fmt: skip
COMPANY_B = ["Logistics", "Trading", "Holdings", "Capital", "Consulting", "Shipping", "Mining", "Systems",
             "Ventures", "Commodities", "Exchange", "Payments"]  # fmt: skip
# (short, long) spellings of one legal form, and the country it is at home in
LEGAL_FORMS = [("GmbH", "Gesellschaft mit beschränkter Haftung", "DE"), ("Ltd", "Limited", "GB"),
               ("LLC", "Limited Liability Company", "US"), ("SARL", "S.à r.l.", "FR"),
               ("B.V.", "Besloten Vennootschap", "NL"), ("AG", "Aktiengesellschaft", "CH"),
               ("S.p.A.", "Società per azioni", "IT"), ("Sp. z o.o.", "Spółka z ograniczoną odpowiedzialnością", "PL")]  # fmt: skip
VARIANTS = ["script", "romanisation", "typo", "swapped", "middle_name", "partial_birth_date", "legal_form"]
NEGATIVES = ["similar_name", "namesake", "same_birth_date", "company_word"]


@dataclass(frozen=True)
class Person:
    given: str
    family: str
    middle: str | None
    birth: tuple[int, int, int]
    script: tuple[str, str, str, str] | None = (
        None  # native given, native family, and their other romanisations
    )

    def name(self, order: str = "given") -> str:
        parts = [self.given, *([self.middle] if self.middle else []), self.family]
        if order == "family":  # "BERG, Anna Maria": the family name first, as many registers write it
            return f"{self.family.upper()}, {' '.join(parts[:-1])}"
        return " ".join(parts)

    def birth_date(self, precision: int = 3) -> str:
        y, m, d = self.birth
        return [f"{y}", f"{y}-{m:02d}", f"{y}-{m:02d}-{d:02d}"][precision - 1]


class PoolExhausted(Exception):
    """A name pool (companies, a script's names) has no identity left that was not drawn."""


TRIES = 500  # draws before a pool counts as exhausted


class Identities:
    """Draws persons and companies, never two with the same name and birth year (companies: name).
    A small pool (companies, the scripts' names) runs out on a large feed: ``PoolExhausted``."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[tuple[str, ...]] = set()

    def _birth(self) -> tuple[int, int, int]:
        return self.rng.randrange(1950, 1999), self.rng.randrange(1, 13), self.rng.randrange(1, 29)

    def take(self, key: tuple[str, ...]) -> bool:
        if key in self.used:
            return False
        self.used.add(key)
        return True

    def person(self, middle: bool = False, script: str | None = None) -> Person:
        for _ in range(TRIES):
            birth = self._birth()
            if script is None:
                p = Person(self.rng.choice(FIRST), f"{self.rng.choice(LAST)}-{self.rng.choice(LAST)}"
                           if self.rng.random() < 0.5 else self.rng.choice(LAST),
                           self.rng.choice(MIDDLE) if middle else None, birth)  # fmt: skip
            else:
                _, givens, families = SCRIPTS[script]
                g, f = self.rng.choice(givens), self.rng.choice(families)
                p = Person(g[1], f[1], None, birth, (g[0], f[0], g[2], f[2]))
            if self.take((p.given.lower(), p.family.lower(), str(birth[0]))):
                return p
        raise PoolExhausted(f"no {script or 'latin'} person left to draw")

    def company(self) -> tuple[str, tuple[str, str, str]]:
        for _ in range(TRIES):
            name = f"{self.rng.choice(COMPANY_A)} {self.rng.choice(COMPANY_B)}"
            if self.take(("company", name.lower())):
                return name, self.rng.choice(LEGAL_FORMS)
        raise PoolExhausted("no company name left to draw")


def subject(names: list[str], birth_date: str | None = None, nationalities: list[str] | None = None,
            kind: str = "person") -> dict[str, Any]:  # fmt: skip
    out: dict[str, Any] = {"kind": kind, "names": names}
    if birth_date:
        out["birth_date"] = birth_date
    if nationalities:
        out["nationalities"] = nationalities
    return out


def typo(rng: random.Random, word: str) -> str:
    """One keyboard slip in ``word`` (a letter swapped with its neighbour, dropped, doubled or
    replaced); the first letter stays, as in most registers' typos."""
    if len(word) < 4:
        return word + word[-1]
    i = rng.randrange(1, len(word) - 1)
    how = rng.choice(["swap", "drop", "double", "replace"])
    if how == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if how == "drop":
        return word[:i] + word[i + 1 :]
    if how == "double":
        return word[:i] + word[i] + word[i:]
    letters = "aeioulnrst" if word[i].lower() in "aeiou" else "bcdfgklmnprstvz"
    new = rng.choice([c for c in letters if c != word[i].lower()])
    return word[:i] + new + word[i + 1 :]


def variant_pair(ids: Identities, how: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Two subjects two FIUs would write for one identity, differing as ``how`` says."""
    rng = ids.rng
    if how == "legal_form":
        name, (short, long, country) = ids.company()
        a = f"{name} {short}"
        b = f"{name.upper()} {long}" if rng.random() < 0.5 else f"{typo(rng, name)} {long}"
        return subject([a], kind="organization"), subject([b], kind="organization")
    if how in ("script", "romanisation"):
        script = rng.choice(sorted(SCRIPTS))
        p = ids.person(script=script)
        assert p.script is not None
        nat = [SCRIPTS[script][0]]
        other = f"{p.script[2]} {p.script[3]}"
        if how == "script":
            return (subject([f"{p.script[0]} {p.script[1]}"], p.birth_date(), nat),
                    subject([rng.choice([p.name(), other])], p.birth_date(), nat))  # fmt: skip
        return subject([p.name()], p.birth_date(), nat), subject([other.upper()], p.birth_date())
    p = ids.person(middle=how == "middle_name")
    if how == "typo":
        family = typo(rng, p.family) if rng.random() < 0.6 else p.family
        given = p.given if family != p.family else typo(rng, p.given)
        return subject([p.name()], p.birth_date()), subject([f"{given} {family}"], p.birth_date())
    if how == "swapped":
        return subject([p.name()], p.birth_date()), subject([p.name("family")], p.birth_date())
    if how == "middle_name":
        return subject([p.name()], p.birth_date()), subject([f"{p.given} {p.family}"], p.birth_date())
    if how == "partial_birth_date":
        return subject([p.name()], p.birth_date()), subject(
            [p.name().upper()], p.birth_date(rng.choice([1, 2]))
        )
    raise ValueError(f"no such variant {how!r}")


def negative_pair(ids: Identities, how: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Two subjects of different identities that look alike, as ``how`` says: they must not link."""
    rng = ids.rng
    if how == "company_word":
        (name, form), (other, _) = ids.company(), ids.company()
        twin = f"{name.split()[0]} {other.split()[1]}"
        if twin.lower() == name.lower() or not ids.take(("company", twin.lower())):
            twin = f"{other.split()[0]} {name.split()[1]}"
        return (subject([f"{name} {form[0]}"], kind="organization"),
                subject([f"{twin} {form[0]}"], kind="organization"))  # fmt: skip
    p = ids.person()
    if how == "same_birth_date":  # another person born the same day
        q = ids.person()
        while (q.given, q.family.split("-")[0]) == (p.given, p.family.split("-")[0]):
            q = ids.person()
        return subject([p.name()], p.birth_date()), subject([q.name()], p.birth_date())
    year = p.birth[0] + rng.choice([-1, 1]) * rng.randrange(3, 20)
    other = (year, rng.randrange(1, 13), rng.randrange(1, 29))
    if how == "namesake":  # the same name, born another year
        ids.used.add((p.given.lower(), p.family.lower(), str(year)))
        return subject([p.name()], p.birth_date()), subject(
            [p.name()], Person("", "", None, other).birth_date()
        )
    if how == "similar_name":  # one letter apart, born another year
        twin = f"{p.given} {typo(rng, p.family)}"
        return subject([p.name()], p.birth_date()), subject([twin], Person("", "", None, other).birth_date())
    raise ValueError(f"no such negative {how!r}")
