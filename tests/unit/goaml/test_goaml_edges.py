"""goAML edge cases: hostile XML, encodings, batches and ZIPs, missing fields, times, report
kinds, multi-party transactions, tx hashes."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from goaml_helpers import SAMPLES, activity_xml, convert, report_xml, transaction_xml
from hypothesis import given, settings
from hypothesis import strategies as st

from streams.core.validate import validate_report
from streams.errors import ConfigError
from streams.goaml.times import to_utc, zone_for
from streams.goaml.xmlread import DOCTYPE_REFUSED

LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE report [
 <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
 <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
 <!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
]>
"""


def _write(tmp_path: Path, text: str, name: str = "r.xml", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def _one(tmp_path: Path, body: str, **kw: object) -> dict:
    [done] = convert(_write(tmp_path, report_xml(body, **kw)))  # type: ignore[arg-type]
    assert done.errors == [], done.lines()
    return done.record


def test_billion_laughs_refused_with_a_clear_error(tmp_path: Path) -> None:
    path = _write(tmp_path, LAUGHS + report_xml(activity_xml()).replace("Reason text.", "&f;"))
    [done] = convert(path)
    assert done.record is None
    assert done.lines() == [f"{path}:{done.line}: report: {DOCTYPE_REFUSED}"]


def test_external_entity_refused_and_never_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-MARKER")
    xxe = f"""<?xml version="1.0"?>
<!DOCTYPE report [<!ENTITY x SYSTEM "file://{secret}"> <!ENTITY % p SYSTEM "file://{secret}"> %p;]>
"""
    path = _write(tmp_path, xxe + report_xml(activity_xml()).replace("Reason text.", "&x;"))
    [done] = convert(path)
    assert done.record is None and DOCTYPE_REFUSED in done.lines()[0]
    assert "SECRET-MARKER" not in repr(done)


def test_an_undeclared_entity_is_not_well_formed(tmp_path: Path) -> None:
    [done] = convert(_write(tmp_path, report_xml(activity_xml()).replace("Reason text.", "&x;")))
    assert done.record is None and "entities are not allowed" in done.errors[0][2]


@pytest.mark.parametrize(
    ("encoding", "declared"), [("utf-8-sig", "UTF-8"), ("utf-16", "UTF-16"), ("cp1252", "windows-1252")]
)
def test_encodings(tmp_path: Path, encoding: str, declared: str) -> None:
    xml = f'<?xml version="1.0" encoding="{declared}"?>\n' + report_xml(
        activity_xml("<alias>José Núñez</alias>")
    )
    [done] = convert(_write(tmp_path, xml, encoding=encoding))
    assert done.errors == [] and "José Núñez" in done.record["subjects"][0]["names"]


def test_cp1252_bytes_in_a_utf8_file_fail_loudly(tmp_path: Path) -> None:
    xml = '<?xml version="1.0" encoding="UTF-8"?>\n' + report_xml(activity_xml("<alias>José</alias>"))
    [done] = convert(_write(tmp_path, xml, encoding="cp1252"))
    assert done.record is None and "not well-formed XML" in done.errors[0][2]
    assert done.line > 1  # the line of the bad bytes


def test_a_batch_of_reports_in_one_file_and_a_zip_upload(tmp_path: Path) -> None:
    reports = [report_xml(activity_xml(), reference=f"REF-{i}") for i in range(3)]
    batch = _write(tmp_path, "<reports>\n" + "\n".join(reports) + "\n</reports>")
    done = convert(batch)
    assert [d.record["report_id"] for d in done] == [f"AE:4711:REF-{i}" for i in range(3)]
    assert [d.line for d in done] == sorted({d.line for d in done}) and done[0].line == 2
    upload = tmp_path / "upload.zip"
    with zipfile.ZipFile(upload, "w") as zf:
        zf.write(SAMPLES / "sample_crypto_str_wallet.xml", "report.xml")
        zf.writestr("attachment.pdf", b"%PDF-1.4")
    [done_zip] = convert(upload)
    assert (
        done_zip.source == f"{upload}!report.xml"
        and done_zip.record["report_id"] == "AE:4711:FDA-STR-2026-0117"
    )


def test_a_file_broken_half_way_keeps_the_reports_before(tmp_path: Path) -> None:
    path = _write(tmp_path, "<reports>\n" + report_xml(activity_xml()) + "\n<report><rentity_id>1</rent")
    done = convert(path)
    assert done[0].record is not None and done[1].record is None and "not well-formed" in done[1].errors[0][2]


def test_namespaced_report_still_read(tmp_path: Path) -> None:
    xml = report_xml(activity_xml()).replace("<report>", '<report xmlns="http://www.unodc.org/goaml">', 1)
    assert convert(_write(tmp_path, xml))[0].record is not None


def test_missing_required_header_fields_are_named(tmp_path: Path) -> None:
    xml = report_xml(activity_xml()).replace("<rentity_id>4711</rentity_id>", "")
    xml = xml.replace("<submission_date>2026-03-18T14:05:00</submission_date>", "")
    [done] = convert(_write(tmp_path, xml))
    assert done.record is None
    assert {p for _, p, _ in done.errors} == {"report/rentity_id", "report/submission_date | report_date"}


def test_no_subject_and_no_transaction_is_rejected_by_the_hub_rules(tmp_path: Path) -> None:
    [done] = convert(_write(tmp_path, report_xml("")))
    assert done.record is None and done.errors[0][1] == "json:subjects"


def test_empty_entity_reference_gives_a_content_hash_id(tmp_path: Path) -> None:
    record = _one(tmp_path, activity_xml(), reference="")
    assert (
        record["report_id"].startswith("AE:4711:sha256-")
        and len(record["report_id"]) == len("AE:4711:sha256-") + 16
    )


def test_times_to_utc_birth_dates_never_shifted(tmp_path: Path) -> None:
    record = _one(tmp_path, activity_xml(), date="2026-01-01T02:00:00")
    assert record["submitted_at"] == "2025-12-31T22:00:00Z"  # Dubai is UTC+4
    assert record["subjects"][0]["birth_date"] == "1985-03-02"
    assert (
        to_utc("2026-01-01T02:00:00+01:00", zone_for("AE", None)) == "2026-01-01T01:00:00Z"
    )  # offset honoured
    assert to_utc("2026-07-01T12:00:00", zone_for("DE", "Europe/Berlin")) == "2026-07-01T10:00:00Z"  # DST
    assert (
        _one(tmp_path, activity_xml("").replace("1985-03-02", "1900-01-01"))["subjects"][0]["birth_date"]
        is None
    )


def test_an_fiu_with_several_zones_needs_tz() -> None:
    with pytest.raises(ConfigError, match="pass --tz"):
        zone_for("ID", None)
    with pytest.raises(ConfigError, match="unknown time zone"):
        zone_for("AE", "Mars/Olympus")


def test_sharing_override_and_protected_person(tmp_path: Path) -> None:
    [done] = convert(
        _write(tmp_path, report_xml(activity_xml("<is_protected>true</is_protected>"))), sharing="none"
    )
    assert done.record["handling"] == {"sharing": "none", "restrictions": ["goaml:is_protected"]}


def _wallet_side(side: str, address: str, code: str = "XET", amount: str = "12.5") -> str:
    return f"""<t_{side}><{side}_funds_code>CRPTC</{side}_funds_code>
<{side}_transaction_additional_info><network_device><ip_address><ipv4>0.0.0.0</ipv4></ip_address></network_device>
<virtual_address>{address}</virtual_address></{side}_transaction_additional_info>
<{side}_foreign_currency><foreign_currency_code>{code}</foreign_currency_code><foreign_amount>{amount}</foreign_amount></{side}_foreign_currency>
<{side}_person><first_name>Ivan</first_name><last_name>Petrov</last_name></{side}_person>
<{side}_country>-</{side}_country></t_{side}>"""


EVM_A, EVM_B = "0x52908400098527886e0f7030069857d2e4169ee7", "0x8617e340b3d01fa5f11f306f4090fd50e238070d"


def test_tx_hash_only_from_a_hash_evm_gets_0x_amount_verbatim(tmp_path: Path) -> None:
    h = "F333899745DB4C56565A61F5D45F37F981F08EA80DDCA95EF3879385BEFF8CF5"
    tx = transaction_xml(
        _wallet_side("from", EVM_A, amount="12.5000000000001"), _wallet_side("to", EVM_B), number=h
    )
    [t] = _one(tmp_path, tx)["transactions"]
    assert t == {"chain": "ethereum", "tx_hash": "0x" + h.lower(), "from_address": EVM_A, "to_address": EVM_B,
                 "asset": "ETH", "amount": "12.5000000000001", "timestamp": "2026-03-02T05:14:27Z"}  # fmt: skip
    [t2] = _one(tmp_path, transaction_xml(_wallet_side("from", EVM_A), _wallet_side("to", EVM_B)))[
        "transactions"
    ]
    assert t2["tx_hash"] is None  # REF-TX-1 is a reference, not a hash


def test_multi_party_transaction_roles_pick_the_sides(tmp_path: Path) -> None:
    def party(role: str, name: str, address: str) -> str:
        return f"""<party><role>{role}</role><person><first_name>{name}</first_name><last_name>X</last_name></person>
<funds_code>CRPTC</funds_code><transaction_additional_info><network_device><ip_address><ipv4>0.0.0.0</ipv4>
</ip_address></network_device><virtual_address>{address}</virtual_address></transaction_additional_info>
<country>AE</country><reason>r</reason></party>"""

    parties = f"<involved_parties>{party('WITN', 'Wit', EVM_B)}{party('BNFCR', 'Bob', EVM_B)}{party('RMITR', 'Al', EVM_A)}</involved_parties>"
    record = _one(tmp_path, transaction_xml(parties, ""))
    [t] = record["transactions"]
    assert (t["from_address"], t["to_address"], t["chain"]) == (EVM_A, EVM_B, "ethereum")
    assert [s["names"][0] for s in record["subjects"]] == ["Wit X", "Bob X", "Al X"]
    assert record["subjects"][2]["wallets"] == [{"chain": "ethereum", "address": EVM_A}]


@pytest.mark.parametrize("code", ["STR", "SAR", "PSTR", "AIF", "AIFT", "CIR", "CNMRA", "DPMSR", "ECDD", "ECDDT",
                                  "HRC", "HRCA", "IRR", "ITR", "PNMRA", "REAR", "SIR", "TR"])  # fmt: skip
def test_every_report_kind_converts_and_passes_the_hubs_validation(tmp_path: Path, code: str) -> None:
    record = _one(tmp_path, activity_xml(), code=code)
    assert validate_report(record)[0] is not None
    assert record["reporting_entity"]["kind"] == {"DPMSR": "dpms", "REAR": "real_estate"}.get(code, "unknown")


def test_report_codes_filter_skips_other_kinds(tmp_path: Path) -> None:
    [done] = convert(
        _write(tmp_path, report_xml(activity_xml(), code="DPMSR")), report_codes=frozenset({"STR"})
    )
    assert done.record is None and done.errors == [] and "DPMSR" in (done.skipped or "")


_names = st.text(alphabet="abcdefghij", min_size=1, max_size=6)


@settings(max_examples=40, deadline=None)
@given(people=st.lists(st.tuples(_names, _names, st.booleans()), min_size=1, max_size=6))
def test_dedup_property_one_subject_per_person_ids_in_order(
    tmp_path_factory: pytest.TempPathFactory, people: list
) -> None:
    parties = "".join(
        f"<report_party><person><first_name>{f}</first_name><last_name>{last}</last_name>"
        + ("<birthdate>1980-01-01T00:00:00</birthdate>" if dob else "")
        + "</person><reason>r</reason></report_party>"
        for f, last, dob in people + people  # every person twice
    )
    path = tmp_path_factory.mktemp("dedup") / "r.xml"
    path.write_text(report_xml(f"<activity><report_parties>{parties}</report_parties></activity>"))
    [done] = convert(path)
    subjects = done.record["subjects"]
    firsts = list(dict.fromkeys((f.casefold(), last.casefold()) for f, last, _ in people))
    assert [tuple(s["names"][0].split(" ", 1)) for s in subjects] == firsts
    assert [s["subject_id"] for s in subjects] == [f"s{i}" for i in range(1, len(firsts) + 1)]


def test_oversized_text_node_refused_by_the_parser_limits(tmp_path: Path) -> None:
    [done] = convert(_write(tmp_path, report_xml(activity_xml()).replace("Reason text.", "x" * 11_000_000)))
    assert done.record is None and "a text node over 10 MB" in done.errors[0][2]


def test_fiat_transfer_between_persons_without_accounts(tmp_path: Path) -> None:
    frm = """<t_from_my_client><from_funds_code>CASH</from_funds_code><from_person><first_name>Layla</first_name>
<last_name>Hassan</last_name><id_number>784198512345671</id_number><phones/><addresses/></from_person>
<from_country>AE</from_country></t_from_my_client>"""
    to = """<t_to><to_funds_code>BANKD</to_funds_code><to_person><first_name>John</first_name><last_name>Smith</last_name>
<phones/></to_person><to_country>GB</to_country></t_to>"""
    record = _one(tmp_path, transaction_xml(frm, to, amount_local="120000.00"))
    [t] = record["transactions"]
    assert t == {"chain": "fiat", "tx_hash": None, "from_address": None, "to_address": None, "asset": "AED",
                 "amount": "120000.00", "timestamp": "2026-03-02T05:14:27Z"}  # fmt: skip
    assert [s["names"] for s in record["subjects"]] == [["Layla Hassan"], ["John Smith"]]
    assert record["subjects"][0]["documents"] == [
        {"type": "id_number", "number": "784198512345671", "country": None}
    ]
    assert record["reporting_entity"] == {"name": None, "kind": "unknown", "id": "4711"}


def test_an_unforeseen_structure_rejects_that_report_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from streams.goaml import report as report_module

    calls = iter([None, RuntimeError("boom")])

    def flaky(*args: object, **kw: object) -> object:
        exc = next(calls)
        if exc is not None:
            raise exc
        return original(*args, **kw)

    original = report_module.convert_report
    monkeypatch.setattr(report_module, "convert_report", flaky)
    reports = [report_xml(activity_xml(), reference=f"R{i}") for i in range(2)]
    done = convert(_write(tmp_path, "<reports>" + "".join(reports) + "</reports>"))
    assert done[0].record is not None
    assert done[1].record is None and "cannot be converted (RuntimeError: boom)" in done[1].errors[0][2]


def test_the_reporter_listed_as_a_party_is_not_a_subject_and_bad_lei_is_a_document(tmp_path: Path) -> None:
    parties = """<activity><report_parties>
<report_party><entity><name>FALCON digital assets fze</name><incorporation_country_code>AE</incorporation_country_code></entity><reason>r</reason></report_party>
<report_party><entity><name>Other Ltd</name><emails><email>Info@Other.example</email></emails>
<entity_identifications><entity_identifier><type>LEI</type><number>NOT-A-LEI</number><issue_country>GB</issue_country></entity_identifier></entity_identifications>
</entity><reason>r</reason></report_party></report_parties></activity>"""
    xml = report_xml(parties).replace(
        "<submission_code>", "<rentity_branch>Falcon Digital Assets FZE</rentity_branch><submission_code>"
    )
    [done] = convert(_write(tmp_path, xml))
    [other] = done.record["subjects"]
    assert other["subject_id"] == "s1" and other["names"] == ["Other Ltd"] and other["lei"] is None
    assert other["documents"] == [{"type": "lei", "number": "NOT-A-LEI", "country": "GB"}]
    assert other["emails"] == ["info@other.example"]
