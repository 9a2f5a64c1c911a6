"""The parties of a goAML transaction side, involved party or activity party (MAPPING.md §2, §3, §6).

A party holds one account, person or entity. Accounts never become subjects: their identifiers
attach to the holders (the account's ``t_entity``, else its signatories and related persons). A
holderless account (an unhosted wallet, a counterparty account without ``t_entity``) yields no
subject; its number may still be a transaction address.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from streams.core.identifiers.accounts import normalize_iban
from streams.errors import InvalidIdentifierError
from streams.goaml import codes
from streams.goaml.subjects import Subject, Subjects, entity, person
from streams.goaml.xml import child, children, fields, find, has_children, path_of, text

Problem = tuple[int, str, str]  # (line, element path, reason)


@dataclass
class Context:
    """What one report's conversion accumulates: its subjects, warnings, and the first account
    held at the reporter (``*_my_client``), which names the reporting entity."""

    fiu: str
    subjects: Subjects = field(default_factory=Subjects)
    warnings: list[Problem] = field(default_factory=list)
    my_client_account: Account | None = None

    def warn(self, el: Any, reason: str) -> None:
        self.warnings.append((el.sourceline or 0, path_of(el), reason))


@dataclass
class Account:
    type_code: str | None
    currency: str | None
    crypto: bool
    wallet: dict[str, str] | None  # the account number as a wallet, for crypto accounts
    iban: str | None  # a valid IBAN, from <iban> or <account>
    institution_name: str | None
    non_bank: str | None


@dataclass
class Party:
    """One side of a transaction (or one involved/activity party)."""

    subjects: list[Subject] = field(default_factory=list)  # the holders: they get the side's wallet
    account: Account | None = None
    virtual_address: str | None = None
    foreign_code: str | None = None
    foreign_amount: str | None = None
    funds_code: str | None = None


def _iban(number: str) -> str | None:
    try:
        return normalize_iban(number)
    except InvalidIdentifierError:
        return None


def account(el: Any, ctx: Context, my_client: bool) -> tuple[Account, list[Subject]]:
    """The account and its holder subjects (added to the report's subjects)."""
    f = fields(el)
    type_code = f.get("account_type") or f.get("personal_account_type")
    currency = (f.get("currency_code") or "").upper() or None
    number = f.get("account")
    crypto = type_code == "CRYWT" or currency in codes.CRYPTO
    ids: list[dict[str, str]] = []
    iban = None
    if raw := f.get("iban"):
        iban = _iban(raw)
        compact = "".join(raw.split()).upper()
        ids.append(
            {"type": "iban", "number": iban} if iban else {"type": "iban_unverified", "number": compact}
        )
    wallet = None
    if number and crypto:
        chain = codes.CRYPTO[currency][0] if currency in codes.CRYPTO else codes.chain_of_address(number)
        if chain:
            wallet = {"chain": chain, "address": number}
        else:
            ctx.warn(
                child(el, "account"), "crypto wallet of unknown chain: kept as an account of type wallet"
            )
            ids.append({"type": "wallet", "number": number})
    elif number:
        as_iban = _iban(number)
        if as_iban:
            iban = iban or as_iban
            entry = {"type": "iban", "number": as_iban}
        else:
            entry = {
                "type": codes.ACCOUNT_TYPES.get(type_code or "-", (type_code or "account").lower()),
                "number": number,
            }
        if entry not in ids:
            ids.append(entry)
    acc = Account(
        type_code,
        currency,
        crypto,
        wallet,
        iban,
        f.get("institution_name"),
        f.get("non_bank_institution"),
    )
    if my_client and ctx.my_client_account is None:
        ctx.my_client_account = acc
    wallets = [wallet] if wallet else []
    holders: list[Subject] = []
    t_entity = child(el, "t_entity")
    if t_entity is not None:
        holder = add_entity(t_entity, ctx, ids, wallets)
        holders += [holder] if holder else []
    signatories = [p for s in children(el, "signatory") for p in children(s, "t_person")]
    signatories += [
        p for r in find(el, "related_persons", "account_related_person") for p in children(r, "t_person")
    ]
    for p in signatories:
        held = add_person(
            p, ctx, [] if t_entity is not None else ids, [] if t_entity is not None else wallets
        )
        if held is not None and t_entity is None:
            holders.append(held)
    for rel in find(el, "related_entities", "account_related_entity"):
        for e in children(rel, "entity"):
            add_entity(e, ctx, [], [])
    for rel in find(el, "related_accounts", "account_related_account"):
        for a in children(rel, "account"):
            account(a, ctx, my_client=False)
    return acc, holders


def add_person(
    el: Any, ctx: Context, accounts: list[dict[str, str]], wallets: list[dict[str, str]]
) -> Subject | None:
    s = person(el, ctx.fiu)
    if s is None:
        ctx.warn(el, "a person without a name or document: left out")
        return None
    s.accounts += accounts
    s.wallets += wallets
    added = ctx.subjects.add(s)
    for rel in find(el, "related_persons", "person_related_person"):
        for p in children(rel, "person"):
            add_person(p, ctx, [], [])
    return added


def add_entity(
    el: Any, ctx: Context, accounts: list[dict[str, str]], wallets: list[dict[str, str]]
) -> Subject | None:
    s = entity(el)
    if s is None:
        ctx.warn(el, "an entity without a name, document or LEI: left out")
        return None
    s.accounts += accounts
    s.wallets += wallets
    added = ctx.subjects.add(s)
    for p in children(el, "director_id"):
        add_person(p, ctx, [], [])
    for rel in find(el, "related_persons", "entity_related_person"):
        for p in children(rel, "person"):
            add_person(p, ctx, [], [])
    for rel in find(el, "related_entities", "entity_related_entity"):
        for e in children(rel, "entity"):
            add_entity(e, ctx, [], [])
    return added


def party(el: Any, ctx: Context, prefix: str = "") -> Party:
    """A ``t_from``/``t_to`` side (``prefix`` ``from_``/``to_``), an involved party or an
    activity party (no prefix), read in document order."""
    side = Party()
    my_client = el.tag.endswith("_my_client")
    for c in children(el):
        tag = c.tag[len(prefix) :] if prefix and c.tag.startswith(prefix) else c.tag
        if tag == "funds_code":
            side.funds_code = text(c)
        elif tag == "transaction_additional_info":
            side.virtual_address = text(c, "virtual_address")
        elif tag == "foreign_currency":
            side.foreign_code = (text(c, "foreign_currency_code") or "").upper() or None
            side.foreign_amount = text(c, "foreign_amount")
        elif tag == "t_conductor":
            add_person(c, ctx, [], [])
        elif tag in ("account", "account_my_client") and has_children(c):
            side.account, holders = account(c, ctx, my_client or tag == "account_my_client")
            side.subjects += holders
        elif tag in ("person", "person_my_client"):
            held = add_person(c, ctx, [], [])
            side.subjects += [held] if held else []
        elif tag in ("entity", "entity_my_client"):
            held = add_entity(c, ctx, [], [])
            side.subjects += [held] if held else []
    return side
