"""The Makefile's set-up: a changed TORCH_SPEC takes effect without `make clean`, an unchanged one costs nothing.

Runs the real Makefile (``make venv``) against a stand-in virtual environment whose ``python`` only
writes down the commands it is given, so each run's pip commands can be read back.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CPU_INDEX = "torch --index-url https://download.pytorch.org/whl/cpu"

# A python that logs its arguments (one per bracket) and pretends to install: "pip show torch" answers
# whether an earlier "pip install torch..." ran and no "pip uninstall torch" came after it.
FAKE_PYTHON = """#!/bin/sh
for arg in "$@"; do printf '[%s]' "$arg"; done >> "$FAKE_LOG"; echo >> "$FAKE_LOG"
case "$*" in
  "-m pip show --quiet torch") test -f "$FAKE_STATE/torch";;
  "-m pip uninstall --quiet --yes torch") rm -f "$FAKE_STATE/torch";;
  "-m pip install --quiet torch"*) touch "$FAKE_STATE/torch";;
esac
"""


@pytest.fixture
def make_venv(tmp_path):
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    python = venv / "bin" / "python"
    python.write_text(FAKE_PYTHON)
    python.chmod(python.stat().st_mode | stat.S_IXUSR)
    log = tmp_path / "log"
    env = {**os.environ, "FAKE_LOG": str(log), "FAKE_STATE": str(tmp_path)}
    env.pop("TORCH_SPEC", None)
    env.pop("MAKEFLAGS", None)

    def run(torch_spec: str | None = None) -> list[str]:
        """`make venv` (with TORCH_SPEC when given); the pip commands it ran, in order."""
        log.write_text("")
        command = ["make", "--no-print-directory", "-C", str(ROOT), "venv", f"VENV={venv}", "PYTHON=false"]
        if torch_spec is not None:
            command.append(f"TORCH_SPEC={torch_spec}")
        subprocess.run(command, env=env, check=True, capture_output=True, text=True)
        return [line for line in log.read_text().splitlines() if line.startswith("[-m][pip]")]

    return run


def test_a_new_torch_spec_replaces_torch_and_the_same_spec_does_nothing(make_venv):
    first = make_venv("torch==2.13.0")
    assert "[-m][pip][install][--quiet][torch==2.13.0]" in first
    assert "[-m][pip][uninstall][--quiet][--yes][torch]" not in first  # nothing to replace yet
    assert any("[-e][.[test,offline,fast]]" in line for line in first)

    assert make_venv("torch==2.13.0") == []  # up to date: no pip at all
    assert make_venv() == []  # no spec: keep whatever torch is installed

    switched = make_venv(CPU_INDEX)  # e.g. from a CUDA build to the CPU build
    uninstall = switched.index("[-m][pip][uninstall][--quiet][--yes][torch]")
    install = switched.index("[-m][pip][install][--quiet][torch][--index-url][https://download.pytorch.org/whl/cpu]")
    assert uninstall < install, switched
    assert make_venv(CPU_INDEX) == []


def test_a_venv_made_before_the_stamp_existed_is_reinstalled_once(make_venv, tmp_path):
    (tmp_path / "venv" / ".installed").touch()  # what an older Makefile left: no .torch-spec
    assert any("[-e][.[test,offline,fast]]" in line for line in make_venv())
    assert make_venv() == []
