"""Known service wallets (exchanges, payment processors): never linked, as every customer of the
service shares them. The file has one ``chain address`` per line; blank lines and ``#`` comments
are skipped. Each wallet is normalised as a report's would be and tokenised with the hub's key, so
it is compared with the tokens the sightings carry."""

from __future__ import annotations

from collections.abc import Callable

from streams.core.identifiers import normalize_wallet
from streams.errors import ConfigError, InvalidIdentifierError


def parse_service_wallets(text: str, source: str) -> list[tuple[str, str]]:
    """(chain label, canonical address) of every line. All problems at once, each named
    ``source:line``, in one ConfigError."""
    wallets: list[tuple[str, str]] = []
    problems: list[str] = []
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.split(None, 1)
        if len(parts) != 2:
            problems.append(f"{source}:{lineno}: expected 'CHAIN ADDRESS', got {line.strip()!r}")
            continue
        try:
            wallets.append(normalize_wallet(parts[0], parts[1].strip()))
        except InvalidIdentifierError as exc:
            problems.append(f"{source}:{lineno}: {exc.reason}")
    if problems:
        raise ConfigError(
            "; ".join(problems), hint="one 'CHAIN ADDRESS' per line, e.g. 'eth 0x…' ('#' starts a comment)"
        )
    return wallets


def service_tokens(wallets: list[tuple[str, str]], tokenize: Callable[[str, str], str]) -> frozenset[str]:
    """The wallets' tokens, as ``extract.identifiers_of`` and the tokenizer make a report's."""
    return frozenset(tokenize("wallet", f"{label}:{canonical}") for label, canonical in wallets)
