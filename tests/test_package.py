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
    on each line, a name belongs to the room named last before it (a room in a folder: beyond.ablation)."""
    rooms = {}
    for line in lessonkit.__doc__.splitlines():
        room = None
        for word in re.findall(r"\w+(?:\.\w+)*", line):
            if word in lessonkit.__all__ and room:
                rooms.setdefault(word, room)  # where it is first named
            elif re.fullmatch(r"[a-z_]+(\.[a-z_]+)*", word) and is_module(f"lessonkit.{word}"):
                room = word
    return rooms


def is_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:  # a word such as lessonkit.show_code: its "parent" is no package
        return False


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


# ------------------------------------------------------------------------------------------ the layout

ROOMS = {"models", "text", "hooks", "tagging", "regression", "heatmap", "plots", "explorer", "widgets"}


def package_folder():
    from pathlib import Path

    return Path(lessonkit.__file__).parent


def test_the_top_of_the_package_holds_the_lectures_rooms_and_no_folder_more_than_15_modules():
    package = package_folder()
    top = {path.stem for path in package.glob("*.py")}
    assert top == ROOMS | {"__init__", "__main__"}, "a module at the top that is no room of the lecture goes into a folder"
    for folder in [package, *(path.parent for path in package.glob("*/__init__.py"))]:
        modules = [path.name for path in folder.glob("*.py") if path.name != "__init__.py"]
        assert len(modules) <= 15, f"{folder.name}/ holds {len(modules)} modules: {sorted(modules)}"


def test_every_folder_of_the_package_is_installed():
    """pyproject names the packages one by one: a folder missing there works here (an editable
    install) and is missing from `pip install .`, as Colab installs lessonkit."""
    import tomllib

    package = package_folder()
    listed = set(tomllib.loads((package.parent / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {"lessonkit"} | {f"lessonkit.{path.parent.name}" for path in package.glob("*/__init__.py")}
    assert found | {"lessonkit.data"} == listed


@pytest.mark.parametrize("old, new", sorted(lessonkit._MOVED.items()))
def test_a_module_that_moved_into_a_folder_is_found_by_its_old_name(old, new):
    import importlib

    assert getattr(lessonkit, old) is importlib.import_module(f"lessonkit.{new}")


def test_the_folders_name_their_modules_lazily():
    assert lessonkit.beyond.ablation.ablate_mlp is lessonkit.ablate_mlp
    assert lessonkit.atlas.scan_atlas is lessonkit.scan_atlas
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        lessonkit.beyond.nope


def test_the_command_line_starts_without_numpy():
    """`python -m lessonkit` builds its parser from the atlas's and the grader's command lines, both inside
    folders: importing them must not load what a scan or a grade needs only once it runs."""
    code = "import sys, lessonkit.atlas.cli, lessonkit.checks._grading_cli; print('numpy' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "False"
