"""``lessonkit grade``: the command line of the grader (see :mod:`lessonkit.grading`).

Bad arguments end with one line on stderr and exit status 2, before any notebook runs. This module
imports nothing heavy, so ``python -m lessonkit doctor`` stays quick.
"""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn

PROGRAM = "lessonkit grade"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The grader's arguments; an argument error is one line and exit 2 (not argparse's usage block)."""
    parser.description = ("Run each submitted exercise notebook headless (a copy, a kernel of its own, offline, "
                          "a time limit) and write grades.csv, summary.html and the notebooks as they ran.")
    parser.add_argument("submissions", metavar="SUBMISSIONS",
                        help="a folder of .ipynb (one per student: the file name names the student) or of folders "
                             "(one per student: the folder name names the student)")
    parser.add_argument("--out", metavar="DIR", required=True, help="the folder for grades.csv, summary.html and notebooks/")
    parser.add_argument("--timeout", metavar="SECONDS", default="600",
                        help="time limit for one whole notebook (default 600); a notebook over it is stopped and graded on what ran")
    parser.add_argument("--jobs", metavar="N", default="1",
                        help="notebooks run at once, each in its own process and kernel (default 1; each kernel needs ~1.3 GB)")
    parser.add_argument("--overwrite", action="store_true", help="replace the grades of an earlier run in --out")

    def one_line(message: str) -> NoReturn:
        _fail(message)
        raise SystemExit(2)

    parser.error = one_line  # type: ignore[method-assign]


def _fail(message: str) -> int:
    print(f"{PROGRAM}: error: {message}", file=sys.stderr)
    return 2


def run(args: argparse.Namespace) -> int:
    """Check the arguments, grade, say where the grades are; 0 when graded, 2 on bad arguments."""
    from .grading import GradingInputError, grade_class

    try:
        time_limit = float(args.timeout)
        jobs = int(args.jobs)
    except ValueError:
        return _fail(f"--timeout must be a number of seconds and --jobs a whole number, got {args.timeout!r} and {args.jobs!r}")
    try:
        grades = grade_class(args.submissions, args.out, time_limit=time_limit, jobs=jobs, overwrite=args.overwrite,
                             say=lambda line: print(line, flush=True))
    except GradingInputError as error:
        return _fail(str(error))
    except KeyboardInterrupt:
        print(f"{PROGRAM}: interrupted; {args.out} holds the grades of the notebooks finished so far", file=sys.stderr)
        return 130
    seconds = sum(g.seconds for g in grades) / len(grades)
    print(f"graded {len(grades)} notebook(s), {seconds:.0f} s each on average: {args.out}/grades.csv, {args.out}/summary.html")
    return 0
