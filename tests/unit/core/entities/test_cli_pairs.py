"""``fiulink pairs score`` through click's runner: good lines, bad lines, no key."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from streams.cli import main

GOOD = {
    "id": "p1",
    "a": {"kind": "person", "names": ["Ivan Petrov"], "birth_date": "1980-03-04", "nationalities": ["RU"]},
    "b": {"kind": "person", "names": ["Иван Петров"], "birth_date": "1980-03-04", "nationalities": ["ru"]},
}
VETO = {
    "id": 2,
    "a": {"kind": "person", "names": ["Ivan Petrov"], "birth_date": "1980-03-04"},
    "b": {"kind": "person", "names": ["Ivan Petrov"], "birth_date": "1966-10-10"},
}
ORG = {
    "id": "o",
    "a": {"kind": "organization", "names": ["ООО Ромашка"]},
    "b": {"kind": "organization", "names": ["Romashka LLC"]},
}
BAD_DATE = {"id": 3, "a": {"names": ["X Y"]}, "b": {"names": ["X Y"], "birth_date": "1980-13-01"}}
EMPTY_NAME = {"id": 4, "a": {"names": ["\u200b😀"]}, "b": {"names": ["Ivan"]}}


def run(tmp_path: Path, lines: list[str], env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    f = tmp_path / "pairs.jsonl"
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    runner = CliRunner()
    return runner.invoke(
        main,
        ["pairs", "score", str(f)],
        env=env if env is not None else {"FIULINK_TOKEN_KEY": "unit-test-key-0123456789"},
    )


def test_scores_good_lines(tmp_path: Path) -> None:
    res = run(
        tmp_path,
        [json.dumps(GOOD, ensure_ascii=False), json.dumps(VETO), json.dumps(ORG, ensure_ascii=False)],
    )
    assert res.exit_code == 0, res.output
    out = [json.loads(line) for line in res.stdout.splitlines()]
    assert [o["id"] for o in out] == ["p1", 2, "o"]
    assert out[0]["decision"] == "match" and out[0]["match"] is True
    assert out[0]["why"] == {
        "name": 1.0,
        "birth_date": "exact",
        "name_part": "agree",
        "name_parts": "close",
        "nationality": "agree",
    }
    assert out[1]["decision"] == "no" and out[1]["why"]["birth_date"] == "contradicts"
    assert out[2]["why"]["legal_form"] == "agree"
    assert all(set(o) == {"id", "score", "match", "decision", "why"} for o in out)


def test_bad_lines_are_named_and_the_rest_scored(tmp_path: Path) -> None:
    lines = [
        json.dumps(GOOD, ensure_ascii=False),
        "{not json",
        json.dumps(BAD_DATE),
        json.dumps(EMPTY_NAME),
        "[1]",
    ]
    res = run(tmp_path, lines)
    assert res.exit_code == 1
    assert [json.loads(x)["id"] for x in res.stdout.splitlines()] == ["p1"]
    err = res.stderr
    assert "pairs.jsonl:2: line: not JSON" in err
    assert "pairs.jsonl:3: b.birth_date: month out of range" in err
    assert "pairs.jsonl:4: a.names[0]: no letters or digits" in err
    assert "pairs.jsonl:5: line: must be an object" in err
    assert "Traceback" not in res.output


def test_no_key_is_a_clear_error(tmp_path: Path) -> None:
    res = run(tmp_path, [json.dumps(GOOD, ensure_ascii=False)], env={"FIULINK_TOKEN_KEY": ""})
    assert res.exit_code == 1
    assert "FIULINK_TOKEN_KEY" in res.stderr
    assert res.stdout == ""


def test_help_documents_the_line_format() -> None:
    res = CliRunner().invoke(main, ["pairs", "score", "--help"])
    assert res.exit_code == 0
    assert "birth_date" in res.output and "why" in res.output


def test_a_short_key_is_refused_with_how_to_make_one(tmp_path: Path) -> None:
    res = run(tmp_path, [json.dumps(GOOD, ensure_ascii=False)], env={"FIULINK_TOKEN_KEY": "fifteen-bytes.."})
    assert res.exit_code == 1 and res.stdout == ""
    assert "FIULINK_TOKEN_KEY is 15 bytes: a token key needs at least 16" in res.stderr
    assert "secrets.token_hex" in res.stderr and "Traceback" not in res.output
    ok = run(tmp_path, [json.dumps(GOOD, ensure_ascii=False)], env={"FIULINK_TOKEN_KEY": "sixteen-bytes..."})
    assert ok.exit_code == 0, ok.output


def test_names_past_the_budget_are_noted_not_failed(tmp_path: Path) -> None:
    many = ["Ivan Petrov", "Pyotr Ivanov", "Sergei Smirnov", "Oleg Popov", "Boris Volkov", "Anton Orlov"]
    line = {"id": 5, "a": {"names": many, "birth_date": "1980-03-04"}, "b": {"names": ["Ivan Petrov"]}}
    res = run(tmp_path, [json.dumps(line)])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["why"]["name"] == 1.0
    notes = [x for x in res.stderr.splitlines() if x.startswith("note: ")]
    assert [n.split(": ")[2] for n in notes] == ["a.names[3]", "a.names[4]", "a.names[5]"]
    assert all("300 bytes" in n for n in notes)
