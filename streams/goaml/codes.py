"""goAML code lists that the mapping needs (UAE 5.0.2 edition; labels from the XSD's comments).

Chains are written in names fiulink's wallet normaliser knows (``bitcoin`` -> btc, ``ethereum``
-> the EVM label, ``etc`` -> EVM, ``litecoin``, ``xrp``, ``tron``); chains it does not know stay
opaque labels, as the hub does for any unknown chain.
"""

from __future__ import annotations

import re

#: goAML crypto currency code -> (chain, asset ticker). MAPPING.md §5.4.
CRYPTO: dict[str, tuple[str, str]] = {
    "XBT": ("bitcoin", "BTC"),
    "XET": ("ethereum", "ETH"),
    "XLN": ("litecoin", "LTC"),
    "XTC": ("bitcoin-cash", "BCH"),
    "XBS": ("bitcoin-sv", "BSV"),
    "XAB": ("bitcoin-abc", "BCHA"),
    "XTG": ("bitcoin-gold", "BTG"),
    "XEC": ("etc", "ETC"),  # Ethereum Classic in goAML (not eCash); EVM address space
    "XZC": ("zcash", "ZEC"),  # Zcash in goAML (not Zcoin)
    "XDH": ("dash", "DASH"),
    "XMR": ("monero", "XMR"),
    "XRP": ("xrp", "XRP"),
    "XLM": ("stellar", "XLM"),
    "XES": ("eos", "EOS"),
    "XNO": ("neo", "NEO"),
    "XIT": ("iota", "MIOTA"),
    "XOM": ("omni", "USDT"),
    "XOX": ("ethereum", "ZRX"),
    "XSA": ("ethereum", "SAN"),
    "XTP": ("metaverse", "ETP"),
}

#: Chains whose transaction hashes are written with ``0x``.
EVM_CHAINS = frozenset({"ethereum", "etc"})

#: The chain of a fiat transaction. fiulink's transaction record needs a chain label; fiat
#: transfers get this one, so an IBAN seen as a transaction address matches only other fiat
#: transfers' addresses, never a wallet.
FIAT_CHAIN = "fiat"

#: ``account_type`` / ``personal_account_type`` -> fiulink account type (CRYWT: a wallet).
ACCOUNT_TYPES: dict[str, str] = {
    "-": "account",
    "A": "business",
    "B": "current",
    "BONDS": "bonds",
    "BRK": "brokerage",
    "C": "savings",
    "CRDTC": "credit_card",
    "CRTFD": "certificate_deposit",
    "CRYWT": "wallet",
    "DBCD": "debit_card",
    "DMAT": "demat",
    "DMNDD": "demand_deposit",
    "FDWLT": "fiat_digital_wallet",
    "FXDDP": "fixed_deposit",
    "INV": "investment",
    "INVRA": "investment_retirement",
    "JACC": "joint",
    "LCRDS": "loyalty_card",
    "LOAN": "loan",
    "MMA": "money_market",
    "MNMSB": "msb_membership",
    "NBOND": "national_bonds",
    "NIS": "non_interest_savings",
    "OFSAC": "offshore",
    "PREPD": "prepaid_card",
    "TP": "term_deposit",
}

#: ``identification/type`` -> fiulink document type. MAPPING.md §4.
IDENTIFICATION_TYPES: dict[str, str] = {
    "PASSP": "passport",
    "EID": "national_id",
    "GCCID": "national_id",
    "EIDF": "national_id_application",
    "DRIVL": "driving_licence",
    "FMLYB": "family_book",
    "TRADL": "trade_licence",
    "COINC": "certificate_of_incorporation",
    "GOVDC": "government_decree",
    "TRSTD": "trust_deed",
    "-": "other",
}

#: FIUs whose ``ssn`` element carries the national identity number (UAE: Emirates ID; ID: NIK).
SSN_IS_NATIONAL_ID = frozenset({"AE", "ID"})

#: ``involved_parties/party/role``: the first party with a role here is the sending side...
FROM_ROLES = frozenset({"RMITR", "BUY", "CASHD", "RENTR"})
#: ...and the first with a role here the receiving side; other roles are subjects only.
TO_ROLES = frozenset({"BNFCR", "SELL", "RENTE", "MRCNT", "SPLIR"})

#: reporting-entity kind from the report code (threshold reports of non-financial sectors).
KIND_BY_REPORT_CODE = {"DPMSR": "dpms", "REAR": "real_estate"}

#: Legacy or non-ISO country codes some editions use.
COUNTRY_FIXES = {"UK": "GB"}

#: Sentinels that mean "unknown" in FIU guidance (UAE web guide): taken as no date.
UNKNOWN_DATES = frozenset({"1900-01-01"})

TX_HASH_RE = re.compile(r"(0x)?[0-9a-fA-F]{64}")
LEI_RE = re.compile(r"[A-Z0-9]{18}[0-9]{2}")

_ADDRESS_SHAPES = (
    (re.compile(r"(bc1[02-9ac-hj-np-z]{6,87}|[13][1-9A-HJ-NP-Za-km-z]{25,34})"), "bitcoin"),
    (re.compile(r"ltc1[02-9ac-hj-np-z]{6,87}|[LM][1-9A-HJ-NP-Za-km-z]{26,33}"), "litecoin"),
    (re.compile(r"0x[0-9a-fA-F]{40}"), "ethereum"),
    (re.compile(r"T[1-9A-HJ-NP-Za-km-z]{33}"), "tron"),
)


def chain_of_address(address: str) -> str | None:
    """The chain an address's shape says (ambiguous across EVM chains: ``ethereum``), or None."""
    for pattern, chain in _ADDRESS_SHAPES:
        if pattern.fullmatch(address):
            return chain
    return None


def country(code: str | None) -> str | None:
    """An ISO 3166-1 alpha-2 code, or None for goAML's ``-`` (unknown)."""
    if not code or code == "-":
        return None
    code = code.upper()
    return COUNTRY_FIXES.get(code, code)
