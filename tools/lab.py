"""Open the lecture for a class: JupyterLab on *copies* of the notebooks, with nothing written beside them.

``make lab`` runs this (``python tools/lab.py`` does the same without make). It copies the lecture
notebooks (``notebooks/``) and the student exercises (``exercises/``) into ``workspace/`` (git
ignores it) and opens JupyterLab there, so that what a class runs and saves never changes a tracked
file, and ``make test`` still passes after class. A copy that is already there is the class's work:
it is kept as it is.

The tracked notebooks are paired with a jupytext ``.py`` twin (for review). In a class that pairing
would write a ``.py`` -- a student's answers included -- beside every notebook saved, and a newer
twin would even override the notebook on opening. So the copies carry no pairing (it is stripped,
also from copies made before), and JupyterLab runs here without jupytext's server extension
(:data:`LAB_OPTIONS`; the browser tests use the same options).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
CLASS_NOTEBOOKS = ("notebooks/*.ipynb", "exercises/*.ipynb")  # the lecture, and the student exercises
FIRST = "01_proper_noun_neurons.ipynb"
# jupytext's server extension pairs notebooks with .py files on save: off where a class works.
LAB_OPTIONS = ("--ServerApp.jpserver_extensions=jupyterlab_jupytext=False",)


def unpaired(notebook: nbformat.NotebookNode) -> bool:
    """Strip jupytext's pairing from a notebook's metadata; True if there was one."""
    return notebook.metadata.pop("jupytext", None) is not None


def copy_for_class(source: Path, target: Path) -> bool:
    """Copy ``source`` to ``target`` without jupytext's pairing, unless ``target`` exists (the class's
    work); strip the pairing from an existing copy. True if ``target`` was written."""
    notebook = nbformat.read(target if target.exists() else source, as_version=4)
    if target.exists() and not unpaired(notebook):
        return False
    unpaired(notebook)
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, target)
    return True


def prepare(workspace: Path) -> list[Path]:
    """Every notebook a class opens, copied into ``workspace``; the copies' paths."""
    copies = []
    for pattern in CLASS_NOTEBOOKS:
        for source in sorted(ROOT.glob(pattern)):
            copy_for_class(source, workspace / source.name)
            copies.append(workspace / source.name)
    return copies


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", type=Path, default=ROOT / "workspace", help="where the copies go (default: workspace/)")
    parser.add_argument("--prepare-only", action="store_true", help="copy the notebooks, do not start JupyterLab")
    args, lab_arguments = parser.parse_known_args(argv)  # the rest goes to jupyter lab, e.g. --port=8890
    prepare(args.workspace)
    if args.prepare_only:
        print(f"notebooks for the class are in {args.workspace}")
        return
    jupyter = shutil.which("jupyter", path=str(Path(sys.executable).parent)) or "jupyter"
    command = [jupyter, "lab", *LAB_OPTIONS, *lab_arguments, str(args.workspace / FIRST)]
    os.execv(jupyter, command)


if __name__ == "__main__":
    main()
