"""Build the exercise notebooks from their one source each: ``exercises/solutions/NN_name.py``.

The source is the solved notebook as a jupytext ``py:percent`` file. In a code cell, the lines
between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` are the part a student writes (nbgrader's
markers). From each source this script writes

* ``exercises/solutions/NN_name.ipynb`` -- the source as a notebook, markers and all;
* ``exercises/NN_name.py`` and ``exercises/NN_name.ipynb`` -- the student's notebook: each marked
  part inside a function becomes ``raise NotImplementedError  # your code here`` (so its check says
  "not done yet" and the notebook runs on), and a marked part at the top level of a cell becomes
  ``# your code here``.

So the student's and the solved notebook cannot drift apart: edit the source, then run
``make exercises`` (``python exercises/build.py``); ``--check`` only reports what is out of date.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
from pathlib import Path

import jupytext
import nbformat

HERE = Path(__file__).resolve().parent
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
MARKED = re.compile(rf"^([ \t]*){re.escape(BEGIN)}[^\n]*\n.*?^[ \t]*{re.escape(END)}[^\n]*(\n|$)", re.M | re.S)


def student_source(code: str) -> str:
    """A code cell's source with each marked part replaced by the student's placeholder."""
    if code.count(BEGIN) != code.count(END):
        raise ValueError(f"unbalanced solution markers in a cell starting {code[:60]!r}")

    def placeholder(match: re.Match) -> str:
        indent = match.group(1)
        line = "raise NotImplementedError  # your code here" if indent else "# your code here"
        return f"{indent}{line}{match.group(2)}"

    return MARKED.sub(placeholder, code)


def notebooks_from(source: Path) -> dict[str, nbformat.NotebookNode]:
    """The solved and the student's notebook from one source, with cell ids that do not change from build to build."""
    solved = jupytext.read(source)
    solved.metadata.setdefault("jupytext", {})["formats"] = "ipynb,py:percent"
    student = nbformat.from_dict(solved)
    for cell in student.cells:
        if cell.cell_type == "code":
            cell.source = student_source(cell.source)
    for name, notebook in (("solution", solved), ("student", student)):
        for index, cell in enumerate(notebook.cells):
            cell.id = hashlib.sha1(f"{source.stem}/{name}/{index}".encode()).hexdigest()[:8]
    return {"solution": solved, "student": student}


def outputs_for(source: Path, root: Path = HERE) -> dict[Path, str]:
    """Every file the build writes for one source: path -> text."""
    built = notebooks_from(source)
    return {
        root / "solutions" / f"{source.stem}.ipynb": jupytext.writes(built["solution"], fmt="ipynb"),
        root / f"{source.stem}.ipynb": jupytext.writes(built["student"], fmt="ipynb"),
        root / f"{source.stem}.py": jupytext.writes(built["student"], fmt="py:percent"),
    }


def sources(root: Path = HERE) -> list[Path]:
    return sorted((root / "solutions").glob("[0-9][0-9]_*.py"))


def comparable(text: str) -> str:
    """The text without jupytext's version stamp (a newer jupytext writes the same notebook with another stamp)."""
    return re.sub(r"^#?\s*jupytext_version: .*\n", "", text, flags=re.M)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report the notebooks that are out of date")
    args = parser.parse_args(argv)
    stale = []
    for source in sources():
        for path, text in outputs_for(source).items():
            if path.exists() and comparable(path.read_text(encoding="utf-8")) == comparable(text):
                continue
            stale.append(path)
            if not args.check:
                path.write_text(text, encoding="utf-8")
    verb = "out of date" if args.check else "written"
    for path in stale:
        print(f"{verb}: {path.relative_to(HERE.parent)}")
    if not stale:
        print(f"the {3 * len(sources())} files built from exercises/solutions/*.py are up to date")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
