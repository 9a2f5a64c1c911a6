"""``--tokenize-at-source``: the report an FIU sends when raw identifiers must not leave it.
The mirror of ``extract.identifiers_of``: every identifier it finds is replaced by its token, and
the raw fields are emptied; the hub then matches the tokens exactly as it would have made them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from streams.core.extract import identifiers_with_fields


def tokenize_at_source(report: dict[str, Any], tokenizer: Callable[[str, str], str]) -> dict[str, Any]:
    """Replace every raw identifier with its token: only tokens leave the FIU."""
    found, _ = identifiers_with_fields(report)
    tokens = [{"kind": k, "token": tokenizer(k, v), "fields": fields} for k, v, fields in found]
    subjects = [
        {
            **s,
            "names": [],
            "birth_date": None,
            "documents": [],
            "emails": [],
            "phones": [],
            "accounts": [],
            "lei": None,
            "wallets": [],
        }
        for s in report["subjects"]
    ]
    txs = [{**t, "tx_hash": None, "from_address": None, "to_address": None} for t in report["transactions"]]
    return {**report, "subjects": subjects, "transactions": txs, "tokens": report["tokens"] + tokens}
