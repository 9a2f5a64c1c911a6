"""The core is pure: importing every module of ``streams.core`` (the package walked, so a new
module is covered without editing this test) loads none of the edge libraries."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import streams.core

EDGE = ("faust", "aiokafka", "kafka", "fastavro", "duckdb", "mode", "rocksdict", "click")


def core_modules() -> list[str]:
    return sorted(m.name for m in pkgutil.walk_packages(streams.core.__path__, "streams.core."))


def test_the_walk_finds_every_core_module() -> None:
    found = core_modules()
    assert {"streams.core.correlate", "streams.core.policy", "streams.core.identifiers.wallets"} <= set(found)
    assert len(found) >= 25


def test_no_core_module_loads_an_edge_library() -> None:
    code = (
        "import importlib, sys\n"
        f"for name in {core_modules()!r}:\n"
        "    importlib.import_module(name)\n"
        f"print(','.join(sorted(m for m in {EDGE!r} if m in sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == ""


def test_the_check_would_see_an_edge_library() -> None:
    code = f"import sys, fastavro\nprint(','.join(m for m in {EDGE!r} if m in sys.modules))\n"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "fastavro"
