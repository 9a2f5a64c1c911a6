"""Every module under streams/ imports on its own in a fresh interpreter (no import cycles, no
module that works only after another one was imported)."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import streams


def all_modules() -> list[str]:
    names = [m.name for m in pkgutil.walk_packages(streams.__path__, "streams.")]
    return sorted(n for n in names if not n.endswith("__main__"))


def test_every_module_imports_on_its_own() -> None:
    modules = all_modules()
    assert len(modules) > 60 and "streams.cli.ops" in modules and "streams.app.topology" in modules
    failed: dict[str, str] = {}
    running: list[tuple[str, subprocess.Popen[str]]] = []
    pending = list(modules)
    while pending or running:
        while pending and len(running) < 4:
            name = pending.pop()
            proc = subprocess.Popen(
                [sys.executable, "-c", f"import {name}"],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            running.append((name, proc))
        name, proc = running.pop(0)
        _, err = proc.communicate(timeout=120)
        if proc.returncode != 0:
            failed[name] = err.strip().splitlines()[-1] if err.strip() else f"exit {proc.returncode}"
    assert failed == {}
