"""Properties of the Bitcoin Cash, Monero and Base58Check-chain normalisers over generated
addresses: idempotent, one identifier for every spelling, single-character errors detected."""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from streams.core.identifiers import cashaddr, monero, normalize_wallet
from streams.core.identifiers.base58 import b58check_encode
from streams.core.identifiers.bech32 import CHARSET
from streams.core.identifiers.chains import VERSIONS
from streams.errors import InvalidIdentifierError

hash20 = st.binary(min_size=20, max_size=20)
key32 = st.binary(min_size=32, max_size=32)


def idempotent(chain: str, address: str) -> str:
    label, canonical = normalize_wallet(chain, address)
    assert normalize_wallet(label, canonical) == (label, canonical)
    return canonical


@given(hash20, st.sampled_from([0, 1]), st.sampled_from([str.lower, str.upper]))
def test_bch_every_spelling_is_one_identifier(h: bytes, kind: int, case: Callable[[str], str]) -> None:
    canonical = cashaddr.encode("bitcoincash", kind << 3, h)
    legacy = b58check_encode(bytes([0x00 if kind == 0 else 0x05]) + h)
    payload = canonical.split(":")[1]
    for spelling in (canonical, case(canonical), case(payload), legacy):
        assert idempotent("bch", spelling) == canonical


@given(hash20, st.data())
def test_bch_single_substitution_is_detected(h: bytes, data: st.DataObject) -> None:
    payload = cashaddr.encode("bitcoincash", 0, h).split(":")[1]
    i = data.draw(st.integers(0, len(payload) - 1))
    new = data.draw(st.sampled_from(CHARSET).filter(lambda c: c != payload[i]))
    try:
        normalize_wallet("bch", payload[:i] + new + payload[i + 1 :])
    except InvalidIdentifierError:
        return
    raise AssertionError("a one-character change went undetected")


def test_the_table_free_polymod_matches_the_spec_vector() -> None:
    prefix, values = cashaddr.split("bitcoincash:qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a")
    assert cashaddr.checksum_ok(prefix, values)


@settings(suppress_health_check=[HealthCheck.filter_too_much])  # ~1 in 4 random key pairs are both points
@given(key32, key32, st.binary(min_size=8, max_size=8))
def test_monero_integrated_is_its_standard_and_both_round_trip(spend: bytes, view: bytes, pid: bytes) -> None:
    assume(monero.is_point(spend) and monero.is_point(view))
    standard = monero.encode_address(18, spend + view)
    integrated = monero.encode_address(19, spend + view + pid)
    sub = monero.encode_address(42, spend + view)
    assert idempotent("xmr", standard) == standard
    assert idempotent("monero", integrated) == standard
    assert idempotent("xmr", sub) == sub != standard
    assert monero.b58decode(monero.b58encode(spend + view)) == spend + view


@settings(suppress_health_check=[HealthCheck.filter_too_much])  # ~1 in 4 random key pairs are both points
@given(key32, key32, st.data())
def test_monero_single_substitution_is_detected(spend: bytes, view: bytes, data: st.DataObject) -> None:
    assume(monero.is_point(spend) and monero.is_point(view))
    address = monero.encode_address(18, spend + view)
    i = data.draw(st.integers(0, len(address) - 1))
    new = data.draw(st.sampled_from("123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"))
    assume(new != address[i])
    changed = address[:i] + new + address[i + 1 :]
    try:
        canonical = normalize_wallet("xmr", changed)[1]
    except InvalidIdentifierError:
        return
    assert canonical != address  # a 32-bit checksum: a pass would be a 1 in 4 billion chance


@given(st.sampled_from(sorted(VERSIONS)), hash20, st.data())
def test_base58_chains_idempotent(label: str, h: bytes, data: st.DataObject) -> None:
    version = data.draw(st.sampled_from([v for v, main in VERSIONS[label].items() if main]))
    address = b58check_encode(version + h)
    assert idempotent(label, address) == address


# --- against independent libraries: cashaddress (oskyk) and monero (monero-python) --------------


@given(hash20, st.sampled_from([0, 1]))
def test_bch_agrees_with_the_cashaddress_library(h: bytes, kind: int) -> None:
    from cashaddress import convert

    legacy = b58check_encode(bytes([0x00 if kind == 0 else 0x05]) + h)
    canonical = normalize_wallet("bch", legacy)[1]
    assert canonical == convert.to_cash_address(legacy)
    assert convert.to_legacy_address(canonical) == legacy
    assert normalize_wallet("bch", canonical.split(":")[1].upper())[1] == canonical


@given(hash20, st.data())
def test_a_corrupted_cashaddr_is_refused_by_both(h: bytes, data: st.DataObject) -> None:
    from cashaddress import convert

    address = cashaddr.encode("bitcoincash", 0, h)
    i = data.draw(st.integers(len("bitcoincash:"), len(address) - 1))
    new = data.draw(st.sampled_from(CHARSET).filter(lambda c: c != address[i]))
    changed = address[:i] + new + address[i + 1 :]
    assert not convert.is_valid(changed)
    try:
        normalize_wallet("bch", changed)
    except InvalidIdentifierError:
        return
    raise AssertionError("accepted a corrupted CashAddr")


@given(key32, key32, st.binary(min_size=8, max_size=8), st.sampled_from([18, 19, 42]))
def test_monero_agrees_with_monero_python(spend: bytes, view: bytes, pid: bytes, tag: int) -> None:
    from monero.address import IntegratedAddress, SubAddress, address

    assume(monero.is_point(spend) and monero.is_point(view))
    body = spend + view + (pid if tag == 19 else b"")
    text = monero.encode_address(tag, body)
    parsed = address(text)  # monero-python validates the checksum with its own Keccak
    assert (parsed.spend_key(), parsed.view_key()) == (spend.hex(), view.hex())
    canonical = normalize_wallet("xmr", text)[1]
    if isinstance(parsed, IntegratedAddress):
        assert parsed.payment_id() == pid.hex() and canonical == str(parsed.base_address())
    else:
        assert canonical == text and isinstance(parsed, SubAddress) == (tag == 42)
