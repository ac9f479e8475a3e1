"""The package's front door: every advertised name resolves, and importing it is cheap."""

from __future__ import annotations

import importlib
import importlib.util
import re
import subprocess
import sys

import pytest

import lessonkit


@pytest.mark.parametrize("name", lessonkit.__all__)
def test_every_exported_name_is_what_a_lessonkit_module_defines(name):
    value = getattr(lessonkit, name)
    home = getattr(value, "__module__", None)
    if isinstance(home, str) and home.startswith("lessonkit."):  # a function or class: where it was written
        assert getattr(importlib.import_module(home), name) is value
    else:  # a constant: one of the rooms holds it under this name
        assert any(vars(getattr(lessonkit, room)).get(name) is value for room in lessonkit._MODULES), name


def rooms_on_the_map() -> dict[str, str]:
    """public name -> room, read from the map of the lecture in lessonkit's docstring (what students read):
    on each line, a name belongs to the room named last before it."""
    rooms = {}
    for line in lessonkit.__doc__.splitlines():
        room = None
        for word in re.findall(r"\w+", line):
            if word in lessonkit.__all__ and room:
                rooms.setdefault(word, room)  # where it is first named
            elif re.fullmatch(r"[a-z_]+", word) and importlib.util.find_spec(f"lessonkit.{word}"):
                room = word
    return rooms


def test_the_map_in_the_docstring_says_where_each_name_lives():
    rooms = rooms_on_the_map()
    assert len(rooms) >= 35 and {"record_mlp", "tag_proper_nouns", "fit_logit", "token_heatmap", "scan_atlas"} <= set(rooms)
    for name, room in rooms.items():
        assert getattr(importlib.import_module(f"lessonkit.{room}"), name) is getattr(lessonkit, name), (name, room)


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
