"""Properties of the normalisers over generated valid inputs: idempotent (the canonical form
normalises to itself), insensitive to the variations they are meant to erase (case where case
carries no meaning, separators, name order), and never blind to a single-character error
where the checksum guarantees detection."""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from datetime import date

import phonenumbers
import pytest
from Crypto.Hash import keccak
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from stdnum import iban, numdb
from stdnum import lei as stdnum_lei

from streams.core.identifiers import (
    bech32,
    contact,
    decode_x_address,
    evm,
    normalize_account,
    normalize_document,
    normalize_email,
    normalize_lei,
    normalize_name,
    normalize_name_dob,
    normalize_phone,
    normalize_tx_hash,
    normalize_wallet,
)
from streams.core.identifiers.base58 import RIPPLE_ALPHABET, b58check_encode, b58decode, b58encode
from streams.core.identifiers.bech32 import CHARSET, decode_segwit, encode_segwit
from streams.core.identifiers.evm import eip55_checksum
from streams.core.identifiers.xrp import encode_x_address
from streams.errors import InvalidIdentifierError

payload20 = st.binary(min_size=20, max_size=20)
cases = st.sampled_from([str.lower, str.upper])


def idempotent_wallet(chain: str, address: str) -> str:
    label, canonical = normalize_wallet(chain, address)
    assert normalize_wallet(chain, canonical) == (label, canonical)
    assert normalize_wallet(label, canonical) == (label, canonical)
    return canonical


@st.composite
def witness(draw: st.DrawFn) -> tuple[int, bytes]:
    version = draw(st.integers(0, 16))
    size = draw(st.sampled_from([20, 32])) if version == 0 else draw(st.integers(2, 40))
    return version, draw(st.binary(min_size=size, max_size=size))


@given(st.binary(max_size=60))
def test_base58_round_trip(data: bytes) -> None:
    assert b58decode(b58encode(data)) == data
    assert b58decode(b58encode(data, RIPPLE_ALPHABET), RIPPLE_ALPHABET) == data


@given(st.sampled_from([0x00, 0x05]), payload20)
def test_btc_base58_idempotent(version: int, payload: bytes) -> None:
    address = b58check_encode(bytes([version]) + payload)
    assert idempotent_wallet("btc", address) == address


@given(witness(), cases, st.sampled_from(["btc", "ltc"]))
def test_segwit_idempotent_and_case_insensitive(
    prog: tuple[int, bytes], case: Callable[[str], str], chain: str
) -> None:
    version, program = prog
    hrp = "bc" if chain == "btc" else "ltc"
    address = encode_segwit(hrp, version, program)
    assert idempotent_wallet(chain, case(address)) == address
    assert decode_segwit(address)[1:] == (version, program)


@given(witness(), st.data())
def test_segwit_single_substitution_is_detected(prog: tuple[int, bytes], data: st.DataObject) -> None:
    address = encode_segwit("bc", *prog)
    i = data.draw(st.integers(3, len(address) - 1))
    new = data.draw(st.sampled_from(CHARSET).filter(lambda c: c != address[i]))
    try:
        normalize_wallet("btc", address[:i] + new + address[i + 1 :])
    except InvalidIdentifierError:
        return
    raise AssertionError("a one-character change went undetected")


@given(st.sampled_from([0x30, 0x32]), payload20)
def test_ltc_base58_idempotent(version: int, payload: bytes) -> None:
    address = b58check_encode(bytes([version]) + payload)
    assert idempotent_wallet("ltc", address) == address


@given(payload20)
def test_ltc_p2sh_3_and_m_spellings_are_one_address(payload: bytes) -> None:
    m_form = b58check_encode(b"\x32" + payload)
    assert m_form[0] == "M"
    assert idempotent_wallet("ltc", b58check_encode(b"\x05" + payload)) == m_form


@given(payload20)
def test_evm_case_variants_are_one_address(payload: bytes) -> None:
    lower = "0x" + payload.hex()
    variants = {lower, "0x" + payload.hex().upper(), eip55_checksum(lower)}
    canonicals = {idempotent_wallet(chain, v) for v in variants for chain in ("eth", "bsc", "polygon")}
    assert canonicals == {lower}


@given(payload20, st.data())
def test_evm_one_case_flip_fails_eip55(payload: bytes, data: st.DataObject) -> None:
    checksummed = eip55_checksum("0x" + payload.hex())
    letters = [i for i, c in enumerate(checksummed) if i >= 2 and c.isalpha()]
    assume(letters)
    i = data.draw(st.sampled_from(letters))
    flipped = checksummed[:i] + checksummed[i].swapcase() + checksummed[i + 1 :]
    body = flipped[2:]
    assume(body not in (body.lower(), body.upper()))  # all-one-case forms carry no checksum
    try:
        normalize_wallet("eth", flipped)
    except InvalidIdentifierError as exc:
        assert "checksum" in exc.reason
        return
    raise AssertionError("EIP-55 accepted a flipped letter")


@given(payload20)
def test_tron_forms_are_one_address(payload: bytes) -> None:
    t_form = b58check_encode(b"\x41" + payload)
    assert t_form.startswith("T")
    assert idempotent_wallet("trx", t_form) == t_form
    assert idempotent_wallet("tron", "41" + payload.hex()) == t_form


@given(payload20, st.none() | st.integers(0, 2**32 - 1))
def test_xrp_x_address_is_its_classic_address(payload: bytes, tag: int | None) -> None:
    classic = b58check_encode(b"\x00" + payload, RIPPLE_ALPHABET)
    assert classic.startswith("r")
    x_address = encode_x_address(classic, tag)
    assert x_address.startswith("X")
    assert decode_x_address(x_address) == (classic, tag)
    assert idempotent_wallet("xrp", x_address) == classic
    assert idempotent_wallet("xrp", classic) == classic


@given(st.binary(min_size=32, max_size=32))
def test_solana_idempotent(key: bytes) -> None:
    address = b58encode(key)
    assert idempotent_wallet("sol", address) == address


@given(st.binary(min_size=32, max_size=32), cases)
def test_tx_hash_idempotent(digest: bytes, case: Callable[[str], str]) -> None:
    for chain in ("eth", "btc", "ltc", "trx", "xrp"):
        label, canonical = normalize_tx_hash(chain, case(digest.hex()))
        assert normalize_tx_hash(chain, canonical) == (label, canonical)
    signature = b58encode(digest + digest)
    assert normalize_tx_hash("sol", signature) == ("sol", signature)


# --- other kinds -------------------------------------------------------------------------------

word = st.text(alphabet="abcdefghijklmnopqrstuvwxyzäöüéèçñøåß", min_size=1, max_size=10)


@given(
    st.lists(word, min_size=1, max_size=5),
    st.randoms(use_true_random=False),
    st.sampled_from([" ", ", ", "  ", " - "]),
)
def test_names_order_and_case_insensitive(words: list[str], rnd: random.Random, sep: str) -> None:
    expected = normalize_name(" ".join(words))
    shuffled = list(words)
    rnd.shuffle(shuffled)
    mixed = [w.upper() if i % 2 else w.title() for i, w in enumerate(shuffled)]
    assert normalize_name(sep.join(mixed)) == expected
    assert normalize_name(expected) == expected


@given(st.text(max_size=40))
def test_name_idempotent_on_any_text(text: str) -> None:
    try:
        canonical = normalize_name(text)
    except InvalidIdentifierError:
        return
    assert normalize_name(canonical) == canonical
    assert canonical == canonical.strip() and "  " not in canonical and canonical.isascii()


@given(st.lists(word, min_size=1, max_size=4), st.dates())
def test_name_dob_idempotent(words: list[str], day: date) -> None:
    text = day.isoformat()
    assume(len(text) == 10)  # years 1000..9999
    canonical = normalize_name_dob(" ".join(words), text)
    assert canonical is not None
    name, birth = canonical.split("|")
    assert normalize_name_dob(name, birth) == canonical


local_part = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+-", min_size=1, max_size=20
)
label = st.text(alphabet="abcdefghijklmnopqrstuvwxyzäöüéß0123456789", min_size=1, max_size=12)


@given(
    local_part, st.lists(label, min_size=1, max_size=3), st.sampled_from(["com", "de", "org", "рф"]), cases
)
def test_email_idempotent(local: str, labels: list[str], tld: str, case: Callable[[str], str]) -> None:
    email = f"{local}@{'.'.join(labels)}.{tld}"
    # Case is varied on ASCII only: 'ß'.upper() is 'SS', a different domain under IDNA 2008.
    varied = "".join(case(c) if c.isascii() else c for c in email)
    try:
        canonical = normalize_email(varied)
    except InvalidIdentifierError:
        return  # e.g. an IDNA-invalid label; not the property under test
    assert canonical == normalize_email(email)
    assert normalize_email(canonical) == canonical
    assert canonical.isascii() and canonical == canonical.lower()


REGIONS = ["DE", "FR", "RU", "GB", "US", "NL", "IT", "ES", "BR", "IN", "SG", "JP", "CH", "PL"]


@given(st.sampled_from(REGIONS), st.sampled_from(["national", "international", "e164"]))
@settings(max_examples=60)
def test_phone_idempotent(region: str, style: str) -> None:
    number = phonenumbers.example_number(region)
    assert number is not None
    fmt = {
        "national": phonenumbers.PhoneNumberFormat.NATIONAL,
        "international": phonenumbers.PhoneNumberFormat.INTERNATIONAL,
        "e164": phonenumbers.PhoneNumberFormat.E164,
    }[style]
    text = phonenumbers.format_number(number, fmt)
    canonical = normalize_phone(text, region)
    assert normalize_phone(canonical, None) == canonical
    assert normalize_phone(canonical, "ZZ") == canonical


@given(st.text(alphabet="0123456789", min_size=18, max_size=18), st.sampled_from([" ", "", "-"]), cases)
def test_iban_idempotent(bban: str, sep: str, case: Callable[[str], str]) -> None:
    number = "DE" + iban.calc_check_digits("DE00" + bban) + bban
    spaced = sep.join(number[i : i + 4] for i in range(0, len(number), 4))
    canonical = normalize_account("IBAN", case(spaced))
    assert canonical == "iban:" + number
    assert normalize_account("iban", canonical.split(":", 1)[1]) == canonical
    assert normalize_account("account", spaced) == canonical


@given(
    st.sampled_from(["RU", "", "fr", None]),
    st.sampled_from(["passport", "Driving Licence", "national id"]),
    st.text(alphabet="ABCDEFGHJKLMNPRSTUVWXYZabcdefxyz0123456789 -./", min_size=1, max_size=14),
)
def test_document_generic_idempotent(country: str | None, doc_type: str, number: str) -> None:
    try:
        canonical = normalize_document(country, doc_type, number)
    except InvalidIdentifierError:
        assume(False)
        return
    cc, kind, value = canonical.split(":")
    assert normalize_document(cc or None, kind, value) == canonical
    assert normalize_document(country, doc_type, number.lower()) == canonical


# --- fast paths agree with the reference libraries ---------------------------------------------

IBAN_COUNTRIES = [
    "AD", "AT", "BE", "BG", "BR", "CH", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GB", "GR",
    "HR", "HU", "IE", "IT", "LT", "LU", "LV", "ME", "MT", "NL", "NO", "PL", "PT", "RO", "SE", "SI",
    "SK", "TR", "UA", "AE", "SA", "QA",
]  # fmt: skip
CLASSES = {"n": "0123456789", "a": "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "c": "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"}


@st.composite
def iban_like(draw: st.DrawFn) -> str:
    """A structurally valid IBAN of a registry country with correct mod-97 digits, then maybe
    damaged (one character changed, one dropped or one added)."""
    cc = draw(st.sampled_from(IBAN_COUNTRIES))
    structure = numdb.get("iban").info(cc)[0][1]["bban"]
    bban = "".join(
        draw(st.text(alphabet=CLASSES[kind], min_size=int(size), max_size=int(size)))
        for size, kind in re.findall(r"(\d+)!([nac])", structure)
    )
    number = cc + iban.calc_check_digits(cc + "00" + bban) + bban
    damage = draw(st.sampled_from(["none", "none", "change", "drop", "add"]))
    i = draw(st.integers(0, len(number) - 1))
    c = draw(st.sampled_from("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    if damage == "change":
        number = number[:i] + c + number[i + 1 :]
    elif damage == "drop":
        number = number[:i] + number[i + 1 :]
    elif damage == "add":
        number = number[:i] + c + number[i:]
    return number


@given(iban_like())
@settings(max_examples=400)
def test_iban_validation_agrees_with_stdnum(number: str) -> None:
    """Same verdict as stdnum.iban, except that fiulink also insists on numeric check digits
    (ISO 13616; stdnum lets a letter through when the mod-97 sum happens to work out)."""
    try:
        canonical = normalize_account("iban", number)
    except InvalidIdentifierError:
        assert not iban.is_valid(number) or not number[2:4].isdigit()
    else:
        assert iban.is_valid(number)
        assert canonical == "iban:" + iban.compact(number)


@given(st.binary(max_size=200))
def test_keccak_fast_path_agrees_with_pycryptodome(data: bytes) -> None:
    assert evm.keccak256(data) == keccak.new(digest_bits=256, data=data).digest()


@given(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=18, max_size=18), st.integers(0, 99))
def test_lei_agrees_with_stdnum(base: str, check: int) -> None:
    value = f"{base}{check:02d}"
    try:
        assert normalize_lei(value) == value
    except InvalidIdentifierError:
        assert not stdnum_lei.is_valid(value)
    else:
        assert stdnum_lei.is_valid(value)


PHONE_TYPES = [
    phonenumbers.PhoneNumberType.FIXED_LINE,
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.TOLL_FREE,
    phonenumbers.PhoneNumberType.VOIP,
]


@st.composite
def international_phone(draw: st.DrawFn) -> str:
    """An example number of any region and type, its last digits replaced, written in
    international or E.164 form, sometimes with a "(0)" or a stray national prefix."""
    region = draw(st.sampled_from(sorted(phonenumbers.SUPPORTED_REGIONS)))
    example = phonenumbers.example_number_for_type(region, draw(st.sampled_from(PHONE_TYPES)))
    assume(example is not None)
    assert example is not None
    text = phonenumbers.format_number(
        example,
        draw(
            st.sampled_from(
                [phonenumbers.PhoneNumberFormat.INTERNATIONAL, phonenumbers.PhoneNumberFormat.E164]
            )
        ),
    )
    tail = draw(st.integers(0, 4))
    if tail:
        digits = [i for i, c in enumerate(text) if c.isdigit()][-tail:]
        for i in digits:
            text = text[:i] + str(draw(st.integers(0, 9))) + text[i + 1 :]
    extra = draw(st.sampled_from(["", "", "", "(0)", "0", "8", "1"]))
    if extra:
        cc = str(example.country_code)
        text = text.replace("+" + cc, f"+{cc} {extra} ", 1)
    return text


@given(international_phone())
@settings(max_examples=500)
def test_phone_fast_path_agrees_with_phonenumbers(text: str) -> None:
    try:
        parsed = phonenumbers.parse(text, None)
        full = (
            phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
            if phonenumbers.is_valid_number(parsed)
            else None
        )
    except phonenumbers.NumberParseException:
        full = None
    fast = contact._fast_international(text)
    assert fast is None or fast == full
    if full is None:
        with pytest.raises(InvalidIdentifierError):
            normalize_phone(text, None)
    else:
        assert normalize_phone(text, None) == full


def _polymod_bip173(values: list[int]) -> int:
    """BIP-173's reference checksum loop."""
    generator = [0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3]
    chk = 1
    for v in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ v
        for i in range(5):
            chk ^= generator[i] if ((top >> i) & 1) else 0
    return chk


@given(st.lists(st.integers(0, 31), max_size=100))
def test_table_polymod_equals_the_bip173_reference(values: list[int]) -> None:
    assert bech32._polymod(values) == _polymod_bip173(values)
