"""One goAML ``<transaction>`` -> one fiulink transaction (MAPPING.md §2).

- crypto when a side has a ``virtual_address``, a CRYWT or crypto-currency account, a crypto
  foreign currency or funds code CRPTC. The chain: the first side's crypto currency code, else
  the wallet account's, else the address's shape. Fiat transfers get chain ``fiat``.
- addresses: ``virtual_address`` > the crypto account's number; for fiat, a valid IBAN only
  (a bare local account number is not unique across banks, so it is no address).
- asset and amount from the same side: crypto ticker; fiat: the sending side's foreign
  currency, else the receiving side's, else the local currency with ``amount_local``.
  Amounts are the decimal string as written.
- tx hash only from ``transactionnumber`` or ``internal_ref_number`` when it is a 64-hex hash.
"""

from __future__ import annotations

from typing import Any

from streams.goaml import codes
from streams.goaml.parties import Context, Party, party
from streams.goaml.subjects import union
from streams.goaml.times import to_utc
from streams.goaml.xml import child, find, text

UNKNOWN_CRYPTO_CHAIN = "crypto"  # a crypto transfer whose chain nothing tells: an opaque label


def _sides(el: Any, ctx: Context) -> tuple[list[Party], Party | None, Party | None]:
    """Every party of the transaction, and which one sends and which one receives."""
    if parties := find(el, "involved_parties", "party"):
        out, frm, to = [], None, None
        for p in parties:
            side = party(p, ctx)
            role = (text(p, "role") or "").upper()
            if frm is None and role in codes.FROM_ROLES:
                frm = side
            elif to is None and role in codes.TO_ROLES:
                to = side
            out.append(side)
        return out, frm, to
    frm_el = (
        child(el, "t_from_my_client") if child(el, "t_from_my_client") is not None else child(el, "t_from")
    )
    to_el = child(el, "t_to_my_client") if child(el, "t_to_my_client") is not None else child(el, "t_to")
    frm = party(frm_el, ctx, "from_") if frm_el is not None else None
    to = party(to_el, ctx, "to_") if to_el is not None else None
    return [s for s in (frm, to) if s is not None], frm, to


def _is_crypto(side: Party) -> bool:
    acc = side.account
    return bool(
        side.virtual_address
        or (acc is not None and acc.crypto)
        or side.foreign_code in codes.CRYPTO
        or side.funds_code == "CRPTC"
    )


def _address(side: Party | None, crypto: bool) -> str | None:
    if side is None:
        return None
    if crypto:
        if side.virtual_address:
            return side.virtual_address
        return side.account.wallet["address"] if side.account and side.account.wallet else None
    return side.account.iban if side.account else None


def _chain(ordered: list[Party]) -> str | None:
    for side in ordered:
        if side.foreign_code in codes.CRYPTO:
            return codes.CRYPTO[side.foreign_code][0]
    for side in ordered:
        if side.account and side.account.currency in codes.CRYPTO:
            return codes.CRYPTO[side.account.currency][0]
        if side.account and side.account.wallet:
            return side.account.wallet["chain"]
    for side in ordered:
        if side.virtual_address and (chain := codes.chain_of_address(side.virtual_address)):
            return chain
    return None


def _asset_amount(
    ordered: list[Party], crypto: bool, el: Any, local: str | None
) -> tuple[str | None, str | None]:
    if crypto:
        for side in ordered:
            if side.foreign_code in codes.CRYPTO:
                return codes.CRYPTO[side.foreign_code][1], side.foreign_amount
        for side in ordered:
            if side.account and side.account.currency in codes.CRYPTO:
                return codes.CRYPTO[side.account.currency][1], None
        return None, None
    for side in ordered:
        if side.foreign_code:
            return side.foreign_code, side.foreign_amount
    return local, text(el, "amount_local")


def _tx_hash(el: Any, chain: str) -> str | None:
    for name in ("transactionnumber", "internal_ref_number"):
        value = text(el, name)
        if value and codes.TX_HASH_RE.fullmatch(value):
            bare = value.lower().removeprefix("0x")
            return f"0x{bare}" if chain in codes.EVM_CHAINS else bare
    return None


def transaction(el: Any, ctx: Context, zone: Any, local_currency: str | None) -> dict[str, Any]:
    """The fiulink transaction; its subjects go to ``ctx`` (ValueError: an unreadable date)."""
    parties, frm, to = _sides(el, ctx)
    ordered = [s for s in (frm, to) if s is not None] + [s for s in parties if s is not frm and s is not to]
    crypto = any(_is_crypto(s) for s in parties)
    chain = (_chain(ordered) or UNKNOWN_CRYPTO_CHAIN) if crypto else codes.FIAT_CHAIN
    if crypto and chain == UNKNOWN_CRYPTO_CHAIN:
        ctx.warn(el, f"crypto transaction of unknown chain: chain {UNKNOWN_CRYPTO_CHAIN!r}")
    asset, amount = _asset_amount(ordered, crypto, el, local_currency)
    for side in parties:
        if crypto and side.virtual_address:
            for s in side.subjects:
                union(s.wallets, [{"chain": chain, "address": side.virtual_address}])
    when = text(el, "date_transaction")
    return {
        "chain": chain,
        "tx_hash": _tx_hash(el, chain) if crypto else None,
        "from_address": _address(frm, crypto),
        "to_address": _address(to, crypto),
        "asset": asset,
        "amount": amount,
        "timestamp": to_utc(when, zone) if when else None,
    }


def activity(el: Any, ctx: Context) -> None:
    """An activity block: its report parties become subjects (there is no transaction)."""
    for p in find(el, "report_parties", "report_party"):
        party(p, ctx)
