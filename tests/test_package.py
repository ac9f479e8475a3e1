"""The package's front door: every advertised name resolves, and importing it is cheap."""

from __future__ import annotations

import subprocess
import sys

import pytest

import lessonkit


@pytest.mark.parametrize("name", lessonkit.__all__)
def test_every_exported_name_resolves(name):
    assert getattr(lessonkit, name) is not None


def test_modules_are_reachable_as_attributes():
    for module in lessonkit._MODULES:
        assert getattr(lessonkit, module).__name__ == f"lessonkit.{module}"


def test_unknown_names_raise_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        lessonkit.nope


def test_import_does_not_load_torch():
    code = "import sys, lessonkit; print('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "False"


def test_doctor_runs(capsys, monkeypatch):
    from lessonkit.__main__ import main

    monkeypatch.setenv("LESSONKIT_OFFLINE", "1")  # no network probe from a test
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out
    assert "transformers" in out and "default model" in out and "text source" in out
