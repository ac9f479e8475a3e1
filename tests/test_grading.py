"""``lessonkit grade``: a class's notebooks run headless, graded by what their checks said.

One grading run (the command line, two notebooks at a time) serves most tests: a class built here
from the real exercise notebooks -- solved, unsolved, and wrong answers written for this test, each
with the hint it must earn -- plus the notebooks a real class sends that are no exercise at all.
To keep it quick, most notebooks are the real notebooks' *check cells* (their import cell and every
cell that calls a check: the student's function and its check); one solved notebook runs whole,
model and all. What is expected comes from how each notebook was built, never from the grader.
"""

from __future__ import annotations

import csv
import hashlib
import html
import os
import re
import subprocess
import sys
import textwrap
from collections import Counter
from pathlib import Path

import nbformat
import pytest

from lessonkit import grading
from lessonkit.__main__ import main

ROOT = Path(__file__).resolve().parents[1]
EXERCISES = ROOT / "exercises"
SOLVED = EXERCISES / "solutions"
PLACEHOLDER = "raise NotImplementedError  # your code here"

# ------------------------------------------------------------------------------------------ notebooks built here


def check_cells(path: Path) -> nbformat.NotebookNode:
    """The notebook's import cell and every cell that calls a check (the exercises, without the model)."""
    notebook = nbformat.read(path, as_version=4)
    notebook.cells = [cell for cell in notebook.cells if cell.cell_type == "code" and (
        "from lessonkit import checks" in cell.source or re.search(r"^checks\.check_\w+\(", cell.source, re.M))]
    return notebook


def answered(notebook: nbformat.NotebookNode, function: str, body: str) -> nbformat.NotebookNode:
    """The student's notebook with ``function``'s placeholder replaced by ``body`` (a student's answer)."""
    cell = next(c for c in notebook.cells if f"def {function}(" in c.source)
    head, tail = cell.source.split(f"def {function}(", 1)
    indent = re.search(rf"^([ \t]+){re.escape(PLACEHOLDER)}", tail, re.M).group(1)
    cell.source = head + f"def {function}(" + tail.replace(indent + PLACEHOLDER, textwrap.indent(body, indent), 1)
    return notebook


def student(name: str) -> nbformat.NotebookNode:
    return check_cells(EXERCISES / f"{name}.ipynb")


# Wrong answers, each with words of the hint it must earn (the mistakes of tests/test_checks.py).
P_BELOW_ALPHA = ("bonferroni_significant", "return np.asarray(pvalues) < alpha", "divides alpha by the number of tests")
NOT_STRICT = ("bonferroni_significant", "return np.asarray(pvalues) <= alpha / len(pvalues)", "strict")
STRIPPED_LENGTH = ("lecture_rule", """\
tags = [0] * len(token_texts)
for i in range(1, len(token_texts)):
    text = token_texts[i]
    if len(text.strip()) > 2 and text.strip()[:1].isupper() and not token_texts[i - 1].endswith((".", "!", "?", ":")):
        tags[i] = 1
return tags""", "length counts the leading space")
COLOURS_CRASH = ("lecture_colours", "return values.no_such_thing", "your function raised AttributeError")
FLIPPED_AUROC = ("auroc_one", """\
x, y = np.asarray(x), np.asarray(y)
above = x[y == 0][:, None] - x[y == 1][None, :]
return float((above > 0).mean() + 0.5 * (above == 0).mean())""", "flipped")
MEAN_LOSS = ("next_token_loss", "return -torch.log_softmax(logits, dim=-1)[:-1].gather(1, token_ids[1:, None])[:, 0].mean()",
             "not their mean")


def wrong(notebook: str, *mistakes: tuple[str, str, str]) -> nbformat.NotebookNode:
    built = student(notebook)
    for function, body, _ in mistakes:
        built = answered(built, function, body)
    return built


def syntax_error_in(notebook: nbformat.NotebookNode, function: str) -> nbformat.NotebookNode:
    return answered(notebook, function, "return [0] *")


def with_a_saved_pass(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The notebook as saved after some other run: its first check's cell shows a pass (never to be believed)."""
    cell = next(c for c in notebook.cells if "checks.check_" in c.source)
    cell.outputs = [nbformat.v4.new_output("display_data", data={"text/plain": "\u2714 check_mlp_hook: passed."},
                                           metadata={"lessonkit_check": {"check": "check_mlp_hook", "outcome": "passed",
                                                                         "message": "passed."}})]
    return notebook


# The class: who sent what, and what each check of each notebook must say (passed / not done /
# not run / the words of its hint).
NOT_DONE = "not done"


def _expected_for(notebook: str, default: str, **answers: str) -> dict[str, str]:
    return {check: answers.get(check, default) for check in grading.EXERCISE_CHECKS[notebook]}


CLASS = {
    # student folder with the solved notebooks' check cells: everything passes
    "ada/01_the_lecture.ipynb": (lambda: check_cells(SOLVED / "01_the_lecture.ipynb"), _expected_for("01_the_lecture", "passed")),
    "ada/02_beyond.ipynb": (lambda: check_cells(SOLVED / "02_beyond.ipynb"), _expected_for("02_beyond", "passed")),
    "ada/03_controls_and_causes.ipynb": (lambda: check_cells(SOLVED / "03_controls_and_causes.ipynb"),
                                         _expected_for("03_controls_and_causes", "passed")),
    # the student notebooks as handed out: nothing done
    "ben/01_the_lecture.ipynb": (lambda: with_a_saved_pass(student("01_the_lecture")), _expected_for("01_the_lecture", NOT_DONE)),
    "ben/02_beyond.ipynb": (lambda: student("02_beyond"), _expected_for("02_beyond", NOT_DONE)),
    "ben/03_controls_and_causes.ipynb": (lambda: student("03_controls_and_causes"), _expected_for("03_controls_and_causes", NOT_DONE)),
    # one file per student (an LMS's flat download): wrong answers
    "cy.ipynb": (lambda: wrong("01_the_lecture", P_BELOW_ALPHA, STRIPPED_LENGTH),
                 _expected_for("01_the_lecture", NOT_DONE, check_bonferroni=P_BELOW_ALPHA[2], check_lecture_rule=STRIPPED_LENGTH[2])),
    "dee.ipynb": (lambda: wrong("01_the_lecture", P_BELOW_ALPHA, COLOURS_CRASH),
                  _expected_for("01_the_lecture", NOT_DONE, check_bonferroni=P_BELOW_ALPHA[2], check_lecture_colours=COLOURS_CRASH[2])),
    "eve.ipynb": (lambda: syntax_error_in(wrong("01_the_lecture", NOT_STRICT), "lecture_rule"),
                  _expected_for("01_the_lecture", NOT_DONE, check_bonferroni=NOT_STRICT[2], check_lecture_rule="not run")),
    "fay/week2/02_beyond.ipynb": (lambda: wrong("02_beyond", FLIPPED_AUROC),
                                  _expected_for("02_beyond", NOT_DONE, check_auroc=FLIPPED_AUROC[2])),
    "fay/03_controls_and_causes.ipynb": (lambda: wrong("03_controls_and_causes", MEAN_LOSS),
                                         _expected_for("03_controls_and_causes", NOT_DONE, check_next_token_loss=MEAN_LOSS[2])),
    # a whole solved notebook, model and all, as a student hands it in
    "gil/02_beyond.ipynb": (lambda: nbformat.read(SOLVED / "02_beyond.ipynb", as_version=4), _expected_for("02_beyond", "passed")),
}
NOT_EXERCISES = {
    "notes.ipynb": ("not an exercise notebook", lambda path: nbformat.write(
        nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("open('ran.txt', 'w').write('ran')")]), path)),
    "broken.ipynb": ("did not run", lambda path: path.write_text("{ this is not a notebook", encoding="utf-8")),
}
SKIPPED = ("ada/.ipynb_checkpoints/01_the_lecture-checkpoint.ipynb", "__MACOSX/ada/._01_the_lecture.ipynb")


def _digest(folder: Path) -> dict[str, tuple[str, int]]:
    return {str(p.relative_to(folder)): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The class above, graded once by the command line (two notebooks at a time)."""
    folder = tmp_path_factory.mktemp("submissions")
    for name, (build, _) in CLASS.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(build(), folder / name)
    for name, (_, write) in NOT_EXERCISES.items():
        write(folder / name)
    for name in SKIPPED:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text("{ never read", encoding="utf-8")
    before = _digest(folder)
    out = tmp_path_factory.mktemp("grades") / "out"
    env = {k: v for k, v in os.environ.items() if k != "LESSONKIT_STRICT_CHECKS"} | {"LESSONKIT_STRICT_CHECKS": "1"}
    done = subprocess.run([sys.executable, "-m", "lessonkit", "grade", str(folder), "--out", str(out), "--jobs", "2"],
                          capture_output=True, text=True, env=env, timeout=900)
    with open(out / "grades.csv", newline="", encoding="utf-8-sig") as handle:
        rows = {row["file"]: row for row in csv.DictReader(handle)}
    return {"folder": folder, "before": before, "out": out, "run": done, "rows": rows,
            "html": (out / "summary.html").read_text(encoding="utf-8")}


pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

# ------------------------------------------------------------------------------------------ the graded class


@pytest.mark.slow
def test_the_run_succeeds_and_never_changes_a_submitted_file(graded):
    run = graded["run"]
    assert run.returncode == 0, run.stderr[-2000:]
    assert _digest(graded["folder"]) == graded["before"], "a submitted file was changed (or a file added beside it)"
    assert "Parent appears to have exited" not in run.stderr, "a kernel outlived its notebook"
    assert f"graded {len(CLASS) + len(NOT_EXERCISES)} notebook(s)" in run.stdout


@pytest.mark.slow
def test_each_notebook_has_one_row_and_skipped_files_none(graded):
    assert sorted(graded["rows"]) == sorted([*CLASS, *NOT_EXERCISES])
    assert (graded["out"] / "grades.csv").read_bytes().startswith(b"\xef\xbb\xbfstudent,")  # UTF-8, said to spreadsheets
    assert graded["rows"]["cy.ipynb"]["student"] == "cy" and graded["rows"]["fay/week2/02_beyond.ipynb"]["student"] == "fay"


@pytest.mark.slow
@pytest.mark.parametrize("file", list(CLASS))
def test_each_check_says_what_the_notebook_was_built_to_earn(graded, file):
    row, expected = graded["rows"][file], CLASS[file][1]
    notebook = next(name for name, checks in grading.EXERCISE_CHECKS.items() if set(checks) == set(expected))
    assert row["notebook"] == notebook
    for check, want in expected.items():
        if want in ("passed", NOT_DONE, "not run"):
            assert row[check] == want, f"{file}: {check} says {row[check]!r}, expected {want!r}"
        else:
            assert row[check].startswith("failed: ") and want in row[check], f"{file}: {check} says {row[check]!r}"
    others = [check for check in grading.ALL_CHECKS if check not in expected]
    assert all(row[check] == "" for check in others)
    assert int(row["total"]) == sum(w == "passed" for w in expected.values()) and int(row["out_of"]) == len(expected)


@pytest.mark.slow
def test_status_and_notes_say_how_each_run_went(graded):
    rows = graded["rows"]
    for file in CLASS:
        want = "ran, with errors" if file == "eve.ipynb" else "ran"
        assert rows[file]["status"] == want, f"{file}: {rows[file]['status']} ({rows[file]['notes']})"
    assert "SyntaxError" in rows["eve.ipynb"]["notes"] and "NameError" not in rows["eve.ipynb"]["notes"].split(";")[0]
    for file, (status, _) in NOT_EXERCISES.items():
        assert rows[file]["status"] == status and rows[file]["notes"] and rows[file]["total"] == ""
    assert not (graded["out"] / "notebooks" / "notes.ipynb").exists(), "a notebook that is no exercise was run"


@pytest.mark.slow
def test_the_executed_notebooks_hold_what_the_student_saw(graded):
    executed = nbformat.read(graded["out"] / "notebooks" / "cy.ipynb", as_version=4)
    lines = [o["data"]["text/plain"] for c in executed.cells for o in c.get("outputs", []) if "data" in o]
    assert any(line.startswith("\u2718 check_bonferroni:") and P_BELOW_ALPHA[2] in line for line in lines)
    whole = nbformat.read(graded["out"] / "notebooks" / "gil" / "02_beyond.ipynb", as_version=4)
    assert all(c.execution_count for c in whole.cells if c.cell_type == "code"), "the whole notebook did not run to its end"


def _summary_row(page: str, check: str) -> str:
    found = re.search(rf"<tr><td><code>{check}</code></td>(.*?)</tr>", page, re.S)
    assert found, f"summary.html has no row for {check}"
    return found.group(1)


@pytest.mark.slow
def test_the_summary_counts_each_outcome_and_names_the_most_common_mistake(graded):
    page = graded["html"]
    for notebook, checks in grading.EXERCISE_CHECKS.items():
        built = [expected for _, expected in CLASS.values() if set(expected) == set(checks)]
        for check in checks:
            said = Counter(expected[check] for expected in built)
            hints = Counter(w for w in said.elements() if w not in ("passed", NOT_DONE, "not run"))
            counts = [int(n) for n in re.findall(r"<td class=n>(\d+)</td>", _summary_row(page, check))]
            assert counts == [said["passed"], sum(hints.values()), said[NOT_DONE], said["not run"]], (check, counts)
            row = _summary_row(page, check)
            for hint, count in hints.items():  # each hint counted
                assert re.search(rf"{re.escape(html.escape(hint))}[^<]*<b>\({count}\)</b>", row), f"{check}: {hint!r} x{count} not in {row!r}"
    most_common, others = _summary_row(page, "check_bonferroni").split("<details>")
    assert html.escape(P_BELOW_ALPHA[2]) in most_common and "(2)" in most_common, "p < alpha: the mistake of 2 students"
    assert html.escape(NOT_STRICT[2]) in others and "(1)" in others
    assert "broken.ipynb" in page and "not an exercise notebook" in page


# ------------------------------------------------------------------------------------------ small, without a kernel


def _check_calls(path: Path) -> list[str]:
    code = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")
    return re.findall(r"^checks\.(check_\w+)\(", code, re.M)


@pytest.mark.parametrize("notebook", list(grading.EXERCISE_CHECKS))
def test_the_grader_knows_each_exercise_notebooks_checks_in_order(notebook):
    for path in (SOLVED / f"{notebook}.ipynb", EXERCISES / f"{notebook}.ipynb"):
        assert _check_calls(path) == list(grading.EXERCISE_CHECKS[notebook]), path
    assert sorted(EXERCISES.glob("[0-9][0-9]_*.ipynb")) == [EXERCISES / f"{n}.ipynb" for n in grading.EXERCISE_CHECKS]


def test_submissions_are_found_per_file_and_per_folder(tmp_path):
    for name in ("zoe.ipynb", "yan/a/01_the_lecture.ipynb", "yan/02_beyond.ipynb", "yan/.ipynb_checkpoints/x.ipynb",
                 ".hidden.ipynb", "__MACOSX/zoe.ipynb", "readme.txt"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("{}")
    found = [(s.student, s.file) for s in grading.find_submissions(tmp_path)]
    assert found == [("yan", "yan/02_beyond.ipynb"), ("yan", "yan/a/01_the_lecture.ipynb"), ("zoe", "zoe.ipynb")]


def test_which_exercise_by_its_checks_then_by_its_name():
    cells = lambda *sources: nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])  # noqa: E731
    assert grading.which_exercise(cells("checks.check_auroc(f)", "checks.check_bonferroni(g)", "check_benjamini_hochberg(h)")) == "02_beyond"
    assert grading.which_exercise(cells("print(1)"), "Copy of 03_controls_and_causes (2).ipynb") == "03_controls_and_causes"
    assert grading.which_exercise(cells("print(1)"), "homework.ipynb") == ""


def test_the_mistake_is_the_hint_or_the_error_raised():
    assert grading.mistake({"message": "For p = [0.1] your answer is [True]. Hint: divide alpha."}) == "divide alpha."
    assert grading.mistake({"message": "your function raised KeyError: 'x' at 3"}) == "your function raised KeyError"


def test_a_student_name_cannot_become_a_spreadsheet_formula():
    from lessonkit._grading_report import rows

    grade = grading.NotebookGrade("=HYPERLINK(1)", "=HYPERLINK(1).ipynb", status="not an exercise notebook")
    (row,) = rows([grade])
    assert row["student"] == "'=HYPERLINK(1)" and row["file"].startswith("'=")


def _bad(args: list[str], capsys) -> str:
    with pytest.raises(SystemExit) as stopped:
        code = main(["grade", *args])
        raise SystemExit(code)
    assert stopped.value.code == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("lessonkit grade: error: ") and not captured.out, captured
    return lines[0]


def test_bad_arguments_get_one_line_and_exit_2(tmp_path, capsys):
    empty, full, notebooks = tmp_path / "empty", tmp_path / "full", tmp_path / "class"
    empty.mkdir()
    full.mkdir()
    (full / "mine.txt").write_text("keep me")
    notebooks.mkdir()
    nbformat.write(nbformat.v4.new_notebook(), notebooks / "a.ipynb")
    earlier = tmp_path / "earlier"
    earlier.mkdir()
    (earlier / "grades.csv").write_text("student\n")
    assert "required" in _bad([], capsys)
    assert "does not exist" in _bad([str(tmp_path / "nowhere"), "--out", str(tmp_path / "o")], capsys)
    assert "no .ipynb" in _bad([str(empty), "--out", str(tmp_path / "o")], capsys)
    assert "--timeout" in _bad([str(notebooks), "--out", str(tmp_path / "o"), "--timeout", "soon"], capsys)
    assert "time limit" in _bad([str(notebooks), "--out", str(tmp_path / "o"), "--timeout", "-5"], capsys)
    assert "jobs" in _bad([str(notebooks), "--out", str(tmp_path / "o"), "--jobs", "0"], capsys)
    assert "inside SUBMISSIONS" in _bad([str(notebooks), "--out", str(notebooks / "grades")], capsys)
    assert "not empty" in _bad([str(notebooks), "--out", str(full)], capsys)
    assert "--overwrite" in _bad([str(notebooks), "--out", str(earlier)], capsys)
    assert "unrecognized" in _bad([str(notebooks), "--out", str(tmp_path / "o"), "--fast"], capsys)
    assert (full / "mine.txt").read_text() == "keep me" and not (tmp_path / "o").exists()


# ------------------------------------------------------------------------------------------ the time limit


@pytest.mark.slow
def test_a_notebook_over_its_time_limit_is_stopped_and_graded_on_what_ran(tmp_path):
    import psutil

    from lessonkit._grading_run import grade_notebook

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in (
        "import time\nimport numpy as np\nfrom lessonkit import checks",
        "checks.check_bonferroni(lambda p, alpha: np.asarray(p) < alpha / len(p))",
        "time.sleep(600)",
        "checks.check_lecture_rule(lambda texts: [0] * len(texts))")])
    path = tmp_path / "01_the_lecture.ipynb"
    nbformat.write(notebook, path)
    children = {p.pid for p in psutil.Process().children(recursive=True)}
    grade = grade_notebook(grading.Submission("sam", path, path.name), time_limit=12)
    assert grade.status == "timed out" and "time.sleep(600)" in grade.notes and "12 s" in grade.notes
    assert grade.outcome("check_bonferroni") == "passed" and grade.outcome("check_lecture_rule") == "not run"
    assert 12 <= grade.seconds < 60
    left = [p for p in psutil.Process().children(recursive=True) if p.pid not in children and p.is_running()
            and p.status() != psutil.STATUS_ZOMBIE]
    assert not left, f"the stopped notebook's kernel is still running: {left}"


@pytest.mark.slow
def test_a_kernel_that_dies_gets_its_row(tmp_path):
    from lessonkit._grading_run import grade_notebook

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in (
        "from lessonkit import checks\nchecks.check_bonferroni(lambda p, alpha: p)",
        "import os\nos._exit(9)",
        "checks.check_lecture_rule(lambda texts: [0] * len(texts))")])
    path = tmp_path / "mine.ipynb"
    nbformat.write(notebook, path)
    grade = grade_notebook(grading.Submission("kim", path, path.name), time_limit=120)
    assert grade.status == "kernel died" and "cell 2 ('import os')" in grade.notes
    assert grade.outcome("check_bonferroni") == "failed" and grade.outcome("check_lecture_rule") == "not run"


@pytest.mark.slow
def test_ctrl_c_ends_the_run_and_keeps_what_was_graded(tmp_path):
    import signal
    import time

    import psutil

    folder, out = tmp_path / "class", tmp_path / "out"
    folder.mkdir()
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print('hello')")]), folder / "a_notes.ipynb")
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in (
        "import time\nfrom lessonkit import checks", "time.sleep(600)")]), folder / "b_01_the_lecture.ipynb")
    code = ("import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler)\n"  # as in a terminal
            "from lessonkit.__main__ import main; sys.exit(main(sys.argv[1:]))")
    grader = subprocess.Popen([sys.executable, "-c", code, "grade", str(folder), "--out", str(out)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while not any("ipykernel" in " ".join(p.cmdline()) for p in psutil.Process(grader.pid).children(recursive=True)):
            assert time.monotonic() < deadline and grader.poll() is None, "no kernel started"
            time.sleep(0.2)
        time.sleep(3)  # the kernel is in its sleeping cell now, or about to be
        kernels = psutil.Process(grader.pid).children(recursive=True)
        grader.send_signal(signal.SIGINT)
        stdout, stderr = grader.communicate(timeout=60)
    finally:
        if grader.poll() is None:
            grader.kill()
    assert grader.returncode == 130 and "interrupted" in stderr and "[1/2] a_notes" in stdout and "[2/2]" not in stdout
    with open(out / "grades.csv", newline="", encoding="utf-8-sig") as handle:
        assert [row["file"] for row in csv.DictReader(handle)] == ["a_notes.ipynb"]
    psutil.wait_procs(kernels, timeout=10)
    assert not [k for k in kernels if k.is_running() and k.status() != psutil.STATUS_ZOMBIE], "a kernel outlived the run"
