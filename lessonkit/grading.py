"""Grading a class: run each submitted exercise notebook headless, and read what its checks said.

    lessonkit grade SUBMISSIONS --out DIR          # or: python -m lessonkit grade ...

SUBMISSIONS is a folder of ``.ipynb`` files, one per student (the file's name names the student),
or a folder of folders, one per student (the folder's name names the student): what an LMS's
"download all submissions" gives, or a class's Colab downloads sorted into a folder each. Each
notebook is copied into a temporary folder and run there from top to bottom in a kernel of its own
(``_grading_run``): offline (``LESSONKIT_OFFLINE=1``), never strict (a wrong answer shows its hint
and the notebook runs on), and stopped when the whole notebook takes longer than the time limit.
The submitted files are only ever read.

Every check shows its one line with a record in the output's metadata (``checks.RECORD_KEY``); a
notebook's grade is what those records say, the last word of each check. ``_grading_report``
writes ``grades.csv`` (a row per notebook: a column per check, a total), ``summary.html`` (per
check: how many passed, and the most common mistake by its hint) and ``notebooks/`` (each notebook
as it ran, outputs included, for feedback).

The students' code runs as it is, with your rights: grade where that code may run (your machine,
a container, Colab), and read the notebook behind any surprising grade.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Which checks each exercise notebook calls, in its order (tests/test_grading.py holds this to exercises/).
EXERCISE_CHECKS: dict[str, tuple[str, ...]] = {
    "01_the_lecture": ("check_mlp_hook", "check_lecture_rule", "check_comparison_sample", "check_one_neuron_logit",
                       "check_bonferroni", "check_lecture_colours"),
    "02_beyond": ("check_auroc", "check_heldout_choice", "check_benjamini_hochberg"),
    "03_controls_and_causes": ("check_capitalisation_control", "check_next_token_loss", "check_ablation"),
}
ALL_CHECKS = tuple(name for names in EXERCISE_CHECKS.values() for name in names)
NOT_RUN = "not run"  # a check that never answered: the notebook stopped before it, or its cell is gone
DEFAULT_TIME_LIMIT = 600.0  # seconds per notebook; an exercise notebook runs in 30-60 s on two CPU cores
_CHECK_CALL = re.compile(r"\b(check_\w+)\s*\(")
_SKIPPED = ("__MACOSX", ".ipynb_checkpoints")  # a Mac's zip leftovers, Jupyter's autosaves


class GradingInputError(ValueError):
    """Bad arguments (a missing folder, no notebooks, an output folder in the way): one line, exit 2."""


@dataclass(frozen=True)
class Submission:
    """One submitted notebook: who sent it, where it is, and its path inside SUBMISSIONS."""

    student: str
    path: Path
    file: str


@dataclass
class NotebookGrade:
    """One notebook's row: what each of its checks answered, how the run went, how long it took."""

    student: str
    file: str
    notebook: str = ""  # the exercise notebook it is ("01_the_lecture" ...), "" when none
    status: str = "ran"  # ran | ran, with errors | timed out | kernel died | did not run | not an exercise notebook
    checks: dict[str, dict] = field(default_factory=dict)  # check name -> its record (outcome, message)
    seconds: float = 0.0
    notes: str = ""
    executed: str = ""  # where the notebook as it ran was saved, relative to the output folder

    def outcome(self, check: str) -> str:
        """passed | not done | failed | not run; "" for a check that is not this notebook's."""
        if check not in EXERCISE_CHECKS.get(self.notebook, ()):
            return ""
        return self.checks.get(check, {}).get("outcome", NOT_RUN)

    @property
    def passed(self) -> int:
        return sum(self.outcome(check) == "passed" for check in EXERCISE_CHECKS.get(self.notebook, ()))

    @property
    def out_of(self) -> int:
        return len(EXERCISE_CHECKS.get(self.notebook, ()))


def find_submissions(folder: str | Path) -> list[Submission]:
    """Every ``.ipynb`` in ``folder``: a top-level file is one student's (its name names the student);
    a sub-folder is one student's (its name names the student; notebooks anywhere inside it)."""
    root = Path(folder).expanduser()
    if root.is_file() and root.suffix.lower() == ".ipynb":
        return [Submission(root.stem, root, root.name)]
    if not root.is_dir():
        raise GradingInputError(f"SUBMISSIONS must be a folder of notebooks (or of folders of them): {folder} "
                                f"{'is not a folder' if root.exists() else 'does not exist'}")
    found = []
    for entry in sorted(root.iterdir()):
        if _skipped(entry.name):
            continue
        if entry.is_file() and entry.suffix.lower() == ".ipynb":
            found.append(Submission(entry.stem, entry, entry.name))
        elif entry.is_dir():
            for path in sorted(entry.rglob("*.ipynb")):
                if path.is_file() and not any(_skipped(part) for part in path.relative_to(root).parts):
                    found.append(Submission(entry.name, path, path.relative_to(root).as_posix()))
    if not found:
        raise GradingInputError(f"{folder} holds no .ipynb file (expected one per student, or a folder per student)")
    return found


def _skipped(name: str) -> bool:
    return name.startswith(".") or name in _SKIPPED


def which_exercise(notebook: Any, file_name: str = "") -> str:
    """The exercise notebook this is: the one whose checks it calls most; else the one its file is
    named after (a student may have deleted every check); "" for neither."""
    code = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")
    called = set(_CHECK_CALL.findall(code))
    overlap = {name: len(called.intersection(names)) for name, names in EXERCISE_CHECKS.items()}
    best = max(overlap, key=overlap.get)
    if overlap[best]:
        return best
    return next((name for name in EXERCISE_CHECKS if name in file_name), "")


def read_check_records(notebook: Any) -> dict[str, dict]:
    """The records the checks left in the outputs (``checks.RECORD_KEY``), the last of each check."""
    from .checks import RECORD_KEY

    found: dict[str, dict] = {}
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            record = output.get("metadata", {}).get(RECORD_KEY)
            if isinstance(record, dict) and record.get("check") in ALL_CHECKS:
                found[record["check"]] = dict(record)
    return found


def mistake(record: dict) -> str:
    """The mistake a failed check names: its hint (what follows "Hint:"), or which error the function raised."""
    message = str(record.get("message", ""))
    if "Hint:" in message:
        return message.split("Hint:", 1)[1].strip()
    if message.startswith("your function raised "):
        return message.split(":", 1)[0]
    return message


def grade_class(submissions: str | Path, out: str | Path, *, time_limit: float = DEFAULT_TIME_LIMIT, jobs: int = 1,
                overwrite: bool = False, say: Callable[[str], None] = print) -> list[NotebookGrade]:
    """Grade every notebook in ``submissions``; write ``grades.csv``, ``summary.html`` and the executed
    notebooks into ``out`` (after each notebook, so an interrupted run keeps what it graded)."""
    from . import _grading_report, _grading_run

    if not (isinstance(time_limit, (int, float)) and time_limit > 0):
        raise GradingInputError(f"the time limit must be a positive number of seconds, got {time_limit!r}")
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise GradingInputError(f"jobs must be a positive number of notebooks at once, got {jobs!r}")
    found = find_submissions(submissions)
    out = _grading_report.prepare_output(out, submissions, overwrite=overwrite)
    settings = {"submissions": str(submissions), "time_limit": float(time_limit), "jobs": jobs}
    grades: list[NotebookGrade] = []
    for grade in _grading_run.run_all(found, out, time_limit=float(time_limit), jobs=jobs):
        grades.append(grade)
        _grading_report.write(grades, out, settings)
        say(f"[{len(grades)}/{len(found)}] {_grading_report.progress_line(grade)}")
    return grades
