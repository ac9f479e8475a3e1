"""The exercise notebooks: generated from one source each, in sync, complete, and honest to students.

The notebooks themselves run under nbval (`pytest exercises`): the student's versions unsolved (each
check says "not done yet"), the solutions solved and strict.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import jupytext
import nbformat
import pytest

from lessonkit import checks

ROOT = Path(__file__).resolve().parents[1]
EXERCISES = ROOT / "exercises"


def _load_build():
    spec = importlib.util.spec_from_file_location("exercise_build", EXERCISES / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build = _load_build()
SOURCES = build.sources()
STUDENT = sorted(EXERCISES.glob("[0-9][0-9]_*.ipynb"))


def _code(path: Path) -> str:
    return "\n".join(cell.source for cell in nbformat.read(path, as_version=4).cells if cell.cell_type == "code")


def test_there_are_three_sources_each_with_its_student_notebook():
    assert [p.stem for p in SOURCES] == [p.stem for p in STUDENT] and len(SOURCES) == 3


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_the_tracked_notebooks_are_what_the_build_writes(source):
    for path, text in build.outputs_for(source).items():
        assert path.exists(), f"{path.relative_to(ROOT)} is missing: run `make exercises`"
        assert build.comparable(path.read_text(encoding="utf-8")) == build.comparable(text), (
            f"{path.relative_to(ROOT)} differs from what {source.relative_to(ROOT)} gives: run `make exercises`")


def test_the_build_check_mode_finds_nothing_out_of_date(capsys):
    assert build.main(["--check"]) == 0
    assert "up to date" in capsys.readouterr().out


@pytest.mark.parametrize("path", STUDENT, ids=lambda p: p.stem)
def test_a_student_notebook_holds_no_solution(path):
    code = _code(path)
    assert build.BEGIN not in code and build.END not in code
    solved = _code(EXERCISES / "solutions" / path.name)
    assert solved.count(build.BEGIN) == code.count("raise NotImplementedError  # your code here") + code.count("\n# your code here")
    for function in re.findall(r"^def (\w+)\(", code, re.M):
        body = code.split(f"def {function}(", 1)[1].split("\ndef ", 1)[0]
        assert "raise NotImplementedError" in body, f"{path.name}: {function} is not left to the student"


def test_at_least_ten_checks_and_each_public_check_is_used_once():
    calls = re.findall(r"^checks\.(check_\w+)\((\w+)\)$", "\n".join(_code(p) for p in STUDENT), re.M)
    used = [name for name, _ in calls]
    public = sorted(name for name in checks.__all__ if name.startswith("check_"))
    assert sorted(used) == public and len(used) >= 10


@pytest.mark.parametrize("path", STUDENT, ids=lambda p: p.stem)
def test_each_exercise_says_what_is_learned_and_how_long_it_takes(path):
    cells = nbformat.read(path, as_version=4).cells
    headings = [c.source for c in cells if c.cell_type == "markdown" and re.match(r"## Exercise \d\.\d", c.source)]
    assert headings, f"{path.name} has no exercises"
    for text in headings:
        title = text.splitlines()[0]
        minutes = re.search(r"\*\*Time:\*\* about (\d+)\s+minutes", text)
        assert "**You learn**" in text and minutes, title
        number = re.match(r"## Exercise (\d\.\d)", title).group(1)
        row = re.search(rf"^\| {re.escape(number)} .* \| (\d+) min \|$", cells[0].source, re.M)
        assert row and row.group(1) == minutes.group(1), f"{title}: not in the table at the top, or with another time"


def test_every_exercise_notebook_starts_with_the_lectures_install_cell():
    lecture = jupytext.read(ROOT / "notebooks" / "01_proper_noun_neurons.py")
    install = next(c.source for c in lecture.cells if c.cell_type == "code")
    assert "LESSONKIT_REPO = \"\"" in install
    for path in [*STUDENT, *(EXERCISES / "solutions" / p.name for p in STUDENT)]:
        first = next(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")
        assert first == install, f"{path.relative_to(ROOT)}: the first code cell is not the lecture's install cell"


def test_the_browser_test_finds_the_bonferroni_exercise_unsolved_with_its_check():
    first = STUDENT[0]  # tests/test_browser.py answers it wrongly in the first student notebook
    cell = next(c.source for c in nbformat.read(first, as_version=4).cells if "def bonferroni_significant" in c.source)
    assert "raise NotImplementedError" in cell and "checks.check_bonferroni(bonferroni_significant)" in cell


def test_a_marked_part_becomes_a_placeholder_at_its_indentation():
    source = "def f(x):\n    '''doc'''\n    given = 1\n    ### BEGIN SOLUTION\n    return x\n    ### END SOLUTION\n\n\ncheck(f)"
    assert build.student_source(source) == (
        "def f(x):\n    '''doc'''\n    given = 1\n    raise NotImplementedError  # your code here\n\n\ncheck(f)")
    assert build.student_source("### BEGIN SOLUTION\nprint(f(1))\n### END SOLUTION") == "# your code here"
    assert build.student_source("x = 1") == "x = 1"
    with pytest.raises(ValueError, match="unbalanced"):
        build.student_source("### BEGIN SOLUTION\nx = 1")
