"""Helpers of the goAML tests: the samples (copies of ../shared/goaml) and small report builders."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from streams.goaml import Converted, Options, convert_file
from streams.goaml.times import zone_for

SAMPLES = Path(__file__).parent / "samples"
VALID = ["crypto_str_wallet", "bank_str_iban_entity", "activity_sar_parties"]
INVALID = {
    "invalid_cyrillic_first_name": "report/transaction/t_from/from_person/first_name",
    "invalid_virtual_address_without_network_device": "t_from/from_transaction_additional_info",
}

PERSON = """<t_person><first_name>Ivan</first_name><last_name>Petrov</last_name>
<birthdate>1985-03-02T00:00:00</birthdate><nationality1>RU</nationality1>{extra}</t_person>"""


def opts(fiu: str = "AE", **kw: Any) -> Options:
    return Options(fiu, zone_for(fiu, kw.pop("tz", None)), **kw)


def convert(path: Path, strict: bool = False, **kw: Any) -> list[Converted]:
    return list(convert_file(path, opts(**kw), strict=strict))


def report_xml(
    body: str, *, code: str = "STR", reference: str = "REF-1", date: str = "2026-03-18T14:05:00"
) -> str:
    """A goAML report (UAE 5.0.2 element order) around ``body`` (transactions and/or activity)."""
    return f"""<report>
  <rentity_id>4711</rentity_id>
  <submission_code>E</submission_code>
  <report_code>{code}</report_code>
  <entity_reference>{reference}</entity_reference>
  <submission_date>{date}</submission_date>
  <currency_code_local>AED</currency_code_local>
  <reporting_user_code>MLRO1</reporting_user_code>
  <reason>Reason text.</reason>
{body}
  <report_indicators><indicator>CRYMX</indicator></report_indicators>
</report>"""


def activity_xml(person_extra: str = "") -> str:
    return f"""<activity><report_parties><report_party>
  <person><first_name>Ivan</first_name><last_name>Petrov</last_name>
  <birthdate>1985-03-02T00:00:00</birthdate><nationality1>RU</nationality1>{person_extra}</person>
  <reason>Subject.</reason></report_party></report_parties></activity>"""


def transaction_xml(frm: str, to: str, *, number: str = "REF-TX-1", amount_local: str = "100.00") -> str:
    return f"""<transaction>
  <transactionnumber>{number}</transactionnumber>
  <transaction_location>Dubai</transaction_location>
  <transaction_description>d</transaction_description>
  <date_transaction>2026-03-02T09:14:27</date_transaction>
  <transmode_code>DAWLT</transmode_code>
  <transmode_comment>I</transmode_comment>
  <amount_local>{amount_local}</amount_local>
  {frm}
  {to}
</transaction>"""
