"""A user mistake, through the real ``fiulink`` command: one line on stderr, ``error: …``, a
non-zero exit, no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

KEY = {"FIULINK_TOKEN_KEY": "test-key-0123456789"}


def fiulink(*args: str, env: dict[str, str] | None = None, home: Path) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "FIULINK_HOME": str(home), "FIULINK_BOOTSTRAP": "127.0.0.1:1", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "streams", *args], env=full, capture_output=True, text=True, timeout=120
    )


def assert_one_error_line(done: subprocess.CompletedProcess[str], *words: str) -> None:
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if not line.startswith("  hint: ")]
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    for w in words:
        assert w in lines[0], done.stderr


def test_generate_with_one_fiu(tmp_path: Path) -> None:
    done = fiulink("generate", "--fius", "1", "--out", str(tmp_path / "feed"), home=tmp_path)
    assert_one_error_line(done, "--fius", "between 2 and")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("FIULINK_PARTITIONS", "eight"),
        ("FIULINK_PARTITIONS", "0"),
        ("FIULINK_REPLICATION_FACTOR", "three"),
        ("FIULINK_HOT_REPORTS", "many"),
        ("FIULINK_HOT_FIUS", "-1"),
        ("FIULINK_FIU_PRODUCE_RATE", "fast"),
        ("FIULINK_RETENTION_DAYS", "forever"),
        ("FIULINK_LOG_LEVEL", "loud"),
        ("FIULINK_BOOTSTRAP", "localhost"),
    ],
)
def test_a_bad_environment_variable_is_named(tmp_path: Path, name: str, value: str) -> None:
    done = fiulink("topics", "list", env={name: value}, home=tmp_path)
    assert_one_error_line(done, name, repr(value))


def test_a_one_word_line_in_the_service_wallets_file(tmp_path: Path) -> None:
    wallets = tmp_path / "wallets.txt"
    wallets.write_text("# exchanges\neth 0x52908400098527886E0F7030069857D2E4169EE7\nbinance\n")
    policy = tmp_path / "policy.toml"
    policy.write_text('fius = ["FR", "DE"]\n')
    done = fiulink(
        "worker", "--policy", str(policy), "--service-wallets", str(wallets), env=KEY, home=tmp_path
    )
    assert_one_error_line(done, f"{wallets}:3", "CHAIN ADDRESS")


def test_no_broker_is_one_line(tmp_path: Path) -> None:
    done = fiulink("topics", "list", home=tmp_path)
    assert_one_error_line(done, "cannot reach Kafka at 127.0.0.1:1")


def test_generate_with_no_reports(tmp_path: Path) -> None:
    done = fiulink("generate", "--reports", "-1", "--out", str(tmp_path / "feed"), home=tmp_path)
    assert_one_error_line(done, "--reports must be at least 1")


def test_a_missing_policy_file(tmp_path: Path) -> None:
    done = fiulink("topics", "create", "--policy", str(tmp_path / "nope.toml"), home=tmp_path)
    assert_one_error_line(done, "cannot read the sharing policy")


def test_pairs_thresholds_the_wrong_way_round(tmp_path: Path) -> None:
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text('{"id": 1}\n')
    done = fiulink(
        "pairs",
        "score",
        str(pairs),
        "--min-confidence",
        "0.5",
        "--review-confidence",
        "0.9",
        env=KEY,
        home=tmp_path,
    )
    assert_one_error_line(done, "--review-confidence must not be above --min-confidence")
