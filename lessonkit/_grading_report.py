"""What ``lessonkit grade`` writes: ``grades.csv`` and a short ``summary.html``, from the notebooks' grades.

Both are written again after each notebook, so an interrupted run keeps what it graded. The HTML
holds no script and fetches nothing: it opens from disk. Every text that came from a student (names,
file names, error messages) is escaped in the HTML and cannot start a formula in a spreadsheet.
"""

from __future__ import annotations

import csv
import html
import os
import tempfile
from collections import Counter
from datetime import datetime
from pathlib import Path

from .grading import ALL_CHECKS, EXERCISE_CHECKS, GradingInputError, NotebookGrade, mistake

COLUMNS = ("student", "notebook", "file", "status", *ALL_CHECKS, "total", "out_of", "seconds", "notes")
OUTCOMES = ("passed", "failed", "not done", "not run")
OUTPUTS = ("grades.csv", "summary.html", "notebooks")


def prepare_output(out: str | Path, submissions: str | Path, *, overwrite: bool) -> Path:
    """The output folder: new or empty, or an earlier grading's with ``overwrite``; never inside SUBMISSIONS."""
    out, root = Path(out).expanduser().resolve(), Path(submissions).expanduser().resolve()
    if out == root or root in out.parents:
        raise GradingInputError(f"--out {out} lies inside SUBMISSIONS: choose a folder outside it "
                                "(its notebooks would be graded as submissions next time)")
    if out.exists() and not out.is_dir():
        raise GradingInputError(f"--out {out} is a file, not a folder")
    if out.is_dir() and any(out.iterdir()):
        if not (out / "grades.csv").is_file():
            raise GradingInputError(f"--out {out} is not empty and holds no earlier grades: choose a new or empty folder")
        if not overwrite:
            raise GradingInputError(f"--out {out} holds earlier grades: add --overwrite to replace them, or choose another folder")
    out.mkdir(parents=True, exist_ok=True)
    return out


def cell(grade: NotebookGrade, check: str) -> str:
    """What grades.csv says for one check: passed / not done / not run / failed: its line."""
    outcome = grade.outcome(check)
    return f"failed: {grade.checks[check].get('message', '')}" if outcome == "failed" else outcome


def rows(grades: list[NotebookGrade]) -> list[dict[str, str]]:
    ordered = sorted(grades, key=lambda g: (g.student.lower(), g.notebook or "~", g.file))
    return [{"student": _safe(g.student), "notebook": g.notebook, "file": _safe(g.file), "status": g.status,
             **{check: cell(g, check) for check in ALL_CHECKS},
             "total": str(g.passed) if g.notebook else "", "out_of": str(g.out_of) if g.notebook else "",
             "seconds": f"{g.seconds:.1f}", "notes": _safe(g.notes)} for g in ordered]


def _safe(text: str) -> str:
    """A spreadsheet reads a cell starting with = + - @ as a formula: a student's file name must not be one."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def progress_line(grade: NotebookGrade) -> str:
    what = f"{grade.student}: {grade.file}"
    if not grade.notebook:
        return f"{what} -- {grade.status} ({grade.notes})"
    told = Counter(grade.outcome(check) for check in EXERCISE_CHECKS[grade.notebook])
    counts = ", ".join(f"{told[o]} {o}" for o in OUTCOMES if told[o])
    extra = f"; {grade.notes}" if grade.notes else ""
    return f"{what} ({grade.notebook}) -- {grade.passed}/{grade.out_of} passed [{counts}], {grade.status} in {grade.seconds:.0f} s{extra}"


def write(grades: list[NotebookGrade], out: Path, settings: dict) -> None:
    _replace(out / "grades.csv", _csv_text(grades), encoding="utf-8-sig")  # the mark tells Excel it is UTF-8
    _replace(out / "summary.html", summary_html(grades, settings))


def _csv_text(grades: list[NotebookGrade]) -> str:
    import io

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows(grades))
    return buffer.getvalue()


def _replace(path: Path, text: str, encoding: str = "utf-8") -> None:
    """Write atomically: a reader (a spreadsheet open on grades.csv) never sees half a file."""
    handle, staging = tempfile.mkstemp(prefix=path.name, dir=path.parent)
    with os.fdopen(handle, "w", encoding=encoding, newline="") as stream:
        stream.write(text)
    os.replace(staging, path)


# ---------------------------------------------------------------- the summary page


def check_table(grades: list[NotebookGrade], notebook: str) -> list[dict]:
    """Per check of one exercise notebook: how many of each outcome, and the mistakes by how often."""
    graded = [g for g in grades if g.notebook == notebook]
    table = []
    for check in EXERCISE_CHECKS[notebook]:
        counts = Counter(g.outcome(check) for g in graded)
        mistakes = Counter(mistake(g.checks[check]) for g in graded if g.outcome(check) == "failed")
        table.append({"check": check, **{o: counts[o] for o in OUTCOMES}, "mistakes": mistakes.most_common()})
    return table


def summary_html(grades: list[NotebookGrade], settings: dict) -> str:
    e = html.escape
    students = sorted({g.student for g in grades}, key=str.lower)
    parts = [f"<h1>Grades: {len(grades)} notebook(s) of {len(students)} student(s)</h1>",
             f"<p>{e(str(settings.get('submissions', '')))} · graded {datetime.now():%Y-%m-%d %H:%M} · time limit "
             f"{settings.get('time_limit', 0):g} s per notebook · every row, each check's full line: "
             "<code>grades.csv</code></p>"]
    for notebook in EXERCISE_CHECKS:
        graded = [g for g in grades if g.notebook == notebook]
        if not graded:
            continue
        seconds = sorted(g.seconds for g in graded)
        parts.append(f"<h2>{e(notebook)}: {len(graded)} notebook(s), median run {seconds[len(seconds) // 2]:.0f} s</h2>")
        head = "".join(f"<th>{o}</th>" for o in OUTCOMES)
        lines = [f"<table><tr><th>check</th>{head}<th>most common mistake (its hint)</th></tr>"]
        for row in check_table(grades, notebook):
            numbers = "".join(f"<td class=n>{row[o]}</td>" for o in OUTCOMES)
            common = "—"
            if row["mistakes"]:
                text, count = row["mistakes"][0]
                common = f"{e(text)} <b>({count})</b>"
                if len(row["mistakes"]) > 1:
                    others = "".join(f"<li>{e(t)} <b>({c})</b></li>" for t, c in row["mistakes"][1:])
                    common += f"<details><summary>{len(row['mistakes']) - 1} other mistake(s)</summary><ul>{others}</ul></details>"
            lines.append(f"<tr><td><code>{e(row['check'])}</code></td>{numbers}<td>{common}</td></tr>")
        parts.append("".join(lines) + "</table>")
    trouble = [g for g in grades if g.status != "ran"]
    if trouble:
        items = "".join(f"<tr><td>{e(g.student)}</td><td>{_link(g)}</td><td>{e(g.status)}</td><td>{e(g.notes)}</td></tr>"
                        for g in sorted(trouble, key=lambda g: (g.student.lower(), g.file)))
        parts.append(f"<h2>Notebooks that did not run cleanly ({len(trouble)})</h2>"
                     f"<table><tr><th>student</th><th>file</th><th>status</th><th>why</th></tr>{items}</table>")
    parts.append(_per_student(grades, students))
    style = ("body{font-family:sans-serif;max-width:70em;margin:1em auto;padding:0 1em}table{border-collapse:collapse;"
             "margin:.5em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}"
             "td.n{text-align:right}details{font-size:90%}")
    return (f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>lessonkit grades</title>'
            f"<style>{style}</style></head><body>\n" + "\n".join(parts) + "\n</body></html>\n")


def _per_student(grades: list[NotebookGrade], students: list[str]) -> str:
    e = html.escape
    names = [n for n in EXERCISE_CHECKS if any(g.notebook == n for g in grades)]
    head = "".join(f"<th>{e(n)}</th>" for n in names)
    lines = []
    for student in students:
        mine = [g for g in grades if g.student == student]
        cells = "".join("<td>" + "<br>".join(f"{_link(g, f'{g.passed}/{g.out_of}')}" for g in mine if g.notebook == n)
                        + "</td>" for n in names)
        other = [g for g in mine if not g.notebook]
        note = "; ".join(f"{e(g.file)}: {e(g.status)}" for g in other)
        lines.append(f"<tr><td>{e(student)}</td>{cells}<td>{note}</td></tr>")
    return (f"<h2>Per student (checks passed; each links to the notebook as it ran)</h2><table><tr><th>student</th>"
            f"{head}<th>other files</th></tr>" + "".join(lines) + "</table>")


def _link(grade: NotebookGrade, text: str | None = None) -> str:
    shown = html.escape(text or grade.file)
    from urllib.parse import quote

    return f'<a href="{html.escape(quote(grade.executed), quote=True)}">{shown}</a>' if grade.executed else shown
