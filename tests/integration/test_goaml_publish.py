"""A goAML file published to the real broker: converted, read back, matched by a worker."""

from __future__ import annotations

import shutil
from pathlib import Path

from streams.testing import Hub, report, write_jsonl

SAMPLES = Path(__file__).parent.parent / "unit" / "goaml" / "samples"
POLICY = """fius = ["AE", "DE"]
default = "deny"

[[agreement]]
fius = ["AE", "DE"]
mode = "auto"
"""
AE_REPORT = "AE:1205:GCB/STR/2026/00311"


def test_goaml_file_published_and_its_iban_gives_hits_both_ways(hub: Hub, tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text(POLICY)
    goaml = tmp_path / "gcb-str.xml"
    shutil.copy(SAMPLES / "sample_bank_str_iban_entity.xml", goaml)
    # the German FIU reports the Emirati trading company's IBAN, written with spaces
    de = report(
        "DE-2026-0042",
        "DE",
        names=["Sahara Gate"],
        accounts=[{"type": "iban", "number": "AE12 0331 0123 4567 8901 234"}],
    )
    de_file = write_jsonl(tmp_path / "de.jsonl", [de])
    hub.cli("topics", "create", "--policy", str(policy), check=True)
    hub.start_worker(policy, "--memory")
    done = hub.cli("publish", "--fiu", "AE", "--sharing", "auto", str(goaml), check=True)
    assert "1 read, 1 published, 0 rejected" in done.stderr
    hub.cli("publish", str(de_file), check=True)
    [got] = hub.read([hub.settings.topics.feed("AE")], until=lambda r: len(r) >= 1)
    assert got["report_id"] == AE_REPORT and got["submitted_at"] == "2026-04-09T12:30:00Z"
    assert got["subjects"][0]["accounts"][0] == {"type": "iban", "number": "AE120331012345678901234"}
    topics = [hub.settings.topics.notification("AE"), hub.settings.topics.notification("DE")]

    def hits(notes: list[dict]) -> set[tuple[str, str, str, str]]:
        return {(n["recipient_fiu"], n["recipient_report_id"], n["counterpart_report_id"], n["match_kind"])
                for n in notes if n["type"] == "hit"}  # fmt: skip

    want = {("DE", "DE-2026-0042", AE_REPORT, "account"), ("AE", AE_REPORT, "DE-2026-0042", "account")}
    notes = hub.read(topics, until=lambda r: want <= hits(r), timeout=150, idle=4)
    assert want <= hits(notes), f"{notes}\n{hub.worker_logs()}"


def test_goaml_default_sharing_is_consent(hub: Hub, tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text(POLICY)
    goaml = tmp_path / "upload.xml"
    shutil.copy(SAMPLES / "sample_activity_sar_parties.xml", goaml)
    hub.cli("topics", "create", "--policy", str(policy), check=True)
    hub.cli("publish", "--format", "goaml", "--fiu", "AE", str(goaml), check=True)
    [got] = hub.read([hub.settings.topics.feed("AE")], until=lambda r: len(r) >= 1)
    assert got["handling"] == {"sharing": "consent", "restrictions": []}
    assert got["subjects"][1]["lei"] == "549300OKAFORVENT0198"
