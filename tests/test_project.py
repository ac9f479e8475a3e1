"""The project's own rules: requirements in step, notebooks stored clean and in sync with their twins."""

from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path

import jupytext
import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(p for folder in ("notebooks", "exercises", "exercises/solutions")
                   for p in (ROOT / folder).glob("*.ipynb"))


def _name(requirement: str) -> str:
    return re.split(r"[<>=!\[ ;]", requirement.strip(), maxsplit=1)[0].lower()


def test_environment_yml_asks_for_what_pyproject_asks_for():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {_name(r) for r in project["dependencies"]}
    wanted |= {_name(r) for extra in project["optional-dependencies"].values() for r in extra}
    conda = yaml.safe_load((ROOT / "environment.yml").read_text())["dependencies"]
    have = {_name(d) for d in conda if isinstance(d, str)}
    have = {"torch" if n == "pytorch" else n for n in have}
    assert wanted <= have, f"missing from environment.yml: {sorted(wanted - have)}"


def test_ci_runs_the_readmes_test_command():
    readme = (ROOT / "README.md").read_text()
    assert "make test" in readme and "make lab" in readme
    assert re.search(r"^make test\b", (ROOT / ".ci" / "run").read_text(), re.M)


def test_there_are_notebooks():
    assert any(p.parent.name == "notebooks" for p in NOTEBOOKS)


def stored_text(path: Path) -> str:
    """The notebook as it is stored in git (the index), not as a student's JupyterLab may have saved it."""
    relative = path.relative_to(ROOT).as_posix()
    shown = subprocess.run(["git", "show", f":{relative}"], cwd=ROOT, capture_output=True, text=True)
    return shown.stdout if shown.returncode == 0 else path.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_notebook_is_stored_without_outputs(path):
    notebook = nbformat.reads(stored_text(path), as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None, f"outputs stored in {path.name}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_notebook_matches_its_jupytext_twin(path):
    twin = path.with_suffix(".py")
    assert twin.exists(), f"{path.name} has no jupytext twin {twin.name}"
    ipynb = [(c.cell_type, c.source.strip()) for c in nbformat.read(path, as_version=4).cells]
    py = [(c.cell_type, c.source.strip()) for c in jupytext.read(twin).cells]
    assert ipynb == py, f"{path.name} and {twin.name} differ: run `make sync-notebooks`"


def test_the_mutation_targets_exist():
    """`make mutants` reads which modules to mutate, and which tests their mutants run, from
    tests/mutation.py: a module that moved, or a test file renamed, shows here first."""
    import mutation

    for module, tests in mutation.TARGETS.items():
        assert (ROOT / module).is_file(), f"{module} (tests/mutation.py TARGETS) does not exist"
        for arg in tests.args:
            if arg.startswith("tests/"):
                assert (ROOT / arg.split("::")[0]).is_file(), f"{arg} (tests of {module}) does not exist"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_last_cell_prints_what_the_notebook_cost(path):
    code = [cell.source for cell in nbformat.read(path, as_version=4).cells if cell.cell_type == "code"]
    assert "print(lk.peak_memory())" in code[-1], f"{path.name}: its last code cell should print lk.peak_memory()"
