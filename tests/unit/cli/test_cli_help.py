"""Every command and subcommand answers ``--help`` (exit 0, its own usage line), and the CLI
package's modules each import on their own."""

from __future__ import annotations

import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from streams.cli import main


def _commands(group: click.Group, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = [path]
    for name, cmd in sorted(group.commands.items()):
        if isinstance(cmd, click.Group):
            out += _commands(cmd, (*path, name))
        else:
            out.append((*path, name))
    return out


COMMANDS = _commands(main)


def test_the_walk_finds_the_commands() -> None:
    assert {("broker", "start"), ("consent", "list"), ("pairs", "score"), ("worker",)} <= set(COMMANDS)


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p) or "fiulink")
def test_every_command_has_help(path: tuple[str, ...]) -> None:
    done = CliRunner().invoke(main, [*path, "--help"])
    assert done.exit_code == 0, done.output
    assert done.output.startswith(f"Usage: {' '.join(('main', *path))} ") or done.output.startswith(
        f"Usage: fiulink {' '.join(path)}"
    )
    assert "Show this message and exit." in done.output


@pytest.mark.parametrize("module", ["common", "root", "hub", "feeds", "ops", "consent", "snapshot", "pairs"])
def test_each_cli_module_imports_on_its_own(module: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", f"import streams.cli.{module}"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
