"""The wheel works outside the source tree: built with pip, installed into a fresh virtual
environment elsewhere, it finds its Avro schemas (package data), encodes and decodes a record,
and ``fiulink --help`` runs. The fresh environment takes fiulink's dependencies from the
running one (a .pth line to its site-packages) so the test needs no network for them; fiulink
itself comes only from the wheel."""

from __future__ import annotations

import os
import site
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

CHECK = """
import pathlib, sys, streams
from streams.codec import codec
here = pathlib.Path(streams.__file__).resolve()
assert sys.prefix in str(here), (sys.prefix, here)
rec = {"match_id": "m1", "fiu": "FR", "granted": True, "reason": None, "message": None, "created_at": "2026-12-06T00:00:00.000Z"}
data = codec().encode("ConsentAnswer", rec)
assert codec().decode(data) == ("ConsentAnswer", rec)
print(here)
"""


@pytest.mark.slow
def test_the_wheel_works_in_a_fresh_environment_outside_the_tree(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels), str(ROOT)],
        check=True,
        cwd=tmp_path,
        timeout=300,
    )
    (wheel,) = wheels.glob("fiulink-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "streams/schemas/StrReport.avsc" in names and "streams/schemas/previous/StrReport.avsc" in names
    assert "streams/snapshot/sql/schema.sql" in names or any(
        n.startswith("streams/snapshot/sql/") for n in names
    )

    # nothing of the running environment leaks in (PYTHONPATH would show pip a fiulink already there)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env_dir = tmp_path / "env"
    venv.create(env_dir, with_pip=True)
    py = env_dir / "bin" / "python"
    purelib = subprocess.run(
        [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    ).stdout.strip()
    subprocess.run(
        [
            str(py),
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--no-index",
            "--find-links",
            str(wheels),
            "fiulink",
        ],
        check=True,
        cwd=tmp_path,
        timeout=300,
        env=env,
    )
    installed = subprocess.run(
        [str(py), "-m", "pip", "list", "--format=freeze"], capture_output=True, text=True, env=env
    )
    assert "fiulink==0.1.0" in installed.stdout.splitlines()
    # then the dependencies, from the running environment (after the install: pip would see the
    # running environment's fiulink and skip the wheel)
    (Path(purelib) / "deps-from-test-runner.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    clean = {"PATH": f"{env_dir / 'bin'}:/usr/bin:/bin", "HOME": str(tmp_path)}
    done = subprocess.run([str(py), "-c", CHECK], cwd=outside, env=clean, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert Path(done.stdout.strip()).is_relative_to(env_dir)
    helped = subprocess.run(
        [str(env_dir / "bin" / "fiulink"), "--help"], cwd=outside, env=clean, capture_output=True, text=True
    )
    assert helped.returncode == 0, helped.stderr[-2000:]
    assert helped.stdout.startswith("Usage: fiulink ")
