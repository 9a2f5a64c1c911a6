"""`fiulink convert goaml` and `fiulink publish --dry-run` of goAML files, through the real command."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from goaml_helpers import SAMPLES, VALID

FIULINK = [sys.executable, "-m", "streams"]


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "FIULINK_TOKEN_KEY": "unit-test-key-0123456789", "FIULINK_HOME": str(cwd / "home")}
    return subprocess.run([*FIULINK, *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=120)


def _copy(tmp_path: Path, *names: str) -> list[str]:
    out = []
    for name in names:
        shutil.copy(SAMPLES / name, tmp_path / name)
        out.append(str(tmp_path / name))
    return out


def test_convert_prints_only_json_lines_and_exits_0(tmp_path: Path) -> None:
    files = _copy(tmp_path, *(f"sample_{n}.xml" for n in VALID))
    done = _run("convert", "goaml", *files, "--fiu", "AE", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert [json.loads(line)["report_id"] for line in lines] == [
        "AE:4711:FDA-STR-2026-0117", "AE:1205:GCB/STR/2026/00311", "AE:2290:SAR-0042/2026"]  # fmt: skip
    assert "3 converted, 0 rejected, 0 skipped" in done.stderr


def test_convert_strict_rejects_naming_file_line_and_element(tmp_path: Path) -> None:
    [bad] = _copy(tmp_path, "invalid_cyrillic_first_name.xml")
    [good] = _copy(tmp_path, "sample_crypto_str_wallet.xml")
    done = _run("convert", "goaml", "--strict", bad, good, "--fiu", "ae", "--tz", "Asia/Dubai", cwd=tmp_path)
    assert done.returncode == 1
    assert f"{bad}:48: report/transaction/t_from/from_person/first_name: XSD: " in done.stderr
    assert len(done.stdout.splitlines()) == 1  # the good one still converts
    assert "1 converted, 1 rejected" in done.stderr
    lenient = _run("convert", "goaml", bad, "--fiu", "AE", cwd=tmp_path)
    assert lenient.returncode == 0 and len(lenient.stdout.splitlines()) == 1


def test_convert_needs_tz_for_an_fiu_of_several_zones(tmp_path: Path) -> None:
    files = _copy(tmp_path, "sample_crypto_str_wallet.xml")
    done = _run("convert", "goaml", *files, "--fiu", "ID", cwd=tmp_path)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.startswith("error: goAML times are local time and the zone of FIU ID is not known")
    assert "--tz" in done.stderr and "Traceback" not in done.stderr


def test_publish_dry_run_converts_goaml_by_suffix_with_rejects_file(tmp_path: Path) -> None:
    files = _copy(
        tmp_path, "sample_bank_str_iban_entity.xml", "invalid_virtual_address_without_network_device.xml"
    )
    done = _run("publish", "--dry-run", "--strict", "--fiu", "AE", *files, cwd=tmp_path)
    assert done.returncode == 1
    assert (
        "2 read, 0 would be published (dry run), 2 rejected" in done.stderr
    )  # --strict: warnings reject too
    rejects = [
        json.loads(x)
        for x in (tmp_path / "invalid_virtual_address_without_network_device.rejects.jsonl")
        .read_text()
        .splitlines()
    ]
    assert rejects[0]["where"] == f"{files[1]}:10" and rejects[0]["published"] is False
    assert (
        rejects[0]["problems"][0]["field"] == "report/transaction[1]/t_from/from_transaction_additional_info"
    )
    ok = _run("publish", "--dry-run", "--fiu", "AE", files[0], cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert (
        "1 read, 1 would be published (dry run), 0 rejected, 0 failed, 1 published with warnings" in ok.stderr
    )


def test_publish_goaml_without_fiu_is_one_clear_error(tmp_path: Path) -> None:
    files = _copy(tmp_path, "sample_bank_str_iban_entity.xml")
    done = _run("publish", "--dry-run", *files, cwd=tmp_path)
    assert done.returncode == 1 and done.stderr.startswith("error: goAML files do not name their FIU")
    forced = _run("publish", "--dry-run", "--format", "jsonl", *files, cwd=tmp_path)
    assert forced.returncode == 1 and "not valid JSON" in forced.stderr  # --format wins over the suffix
