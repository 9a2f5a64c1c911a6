"""Identifier normalisers: raw value -> canonical string (before tokenising), or
InvalidIdentifierError with the rule that failed. Pure functions, no I/O."""

from streams.core.identifiers.accounts import normalize_account, normalize_lei
from streams.core.identifiers.contact import normalize_email, normalize_phone
from streams.core.identifiers.documents import normalize_document
from streams.core.identifiers.names import normalize_name, normalize_name_dob
from streams.core.identifiers.wallets import chain_label, normalize_tx_hash, normalize_wallet, wallet_label
from streams.core.identifiers.xrp import decode_x_address

__all__ = [
    "chain_label",
    "decode_x_address",
    "normalize_account",
    "normalize_document",
    "normalize_email",
    "normalize_lei",
    "normalize_name",
    "normalize_name_dob",
    "normalize_phone",
    "normalize_tx_hash",
    "normalize_wallet",
    "wallet_label",
]
