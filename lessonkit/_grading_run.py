"""Running one submitted notebook for ``lessonkit grade``: a copy, a kernel of its own, a time limit.

The notebook is copied into a temporary folder, read from the copy and run with nbclient in a fresh
kernel of *this* Python (a kernel spec written into the temporary folder, so another "python3" on
the machine is never picked up), with the temporary folder as its working directory, offline and
never strict. Cells that raise are recorded and the run goes on (``allow_errors``): one broken
exercise does not hide the others. The time limit is for the whole notebook: each cell may use what
is left of it.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from contextlib import suppress
from pathlib import Path
from typing import Any

from .grading import NotebookGrade, Submission, read_check_records, which_exercise

OFFLINE = {"LESSONKIT_OFFLINE": "1", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
KERNEL = "lessonkit-grader"


class _OutOfTime(Exception):
    """The notebook's time is up before its next cell starts."""


def run_all(found: list[Submission], out: Path, *, time_limit: float, jobs: int) -> Iterator[NotebookGrade]:
    """Grade each submission (``jobs`` at a time, each in a process of its own), as each finishes."""
    saved = out / "notebooks"
    if jobs == 1:
        for submission in found:
            yield grade_notebook(submission, time_limit=time_limit, save_to=saved)
        return
    threads = max(1, (os.cpu_count() or 1) // jobs)  # torch in each kernel: its share of the cores
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(grade_notebook, s, time_limit=time_limit, save_to=saved, threads=threads) for s in found]
        try:
            for future in as_completed(futures):
                yield future.result()
        except BaseException:
            for future in futures:
                future.cancel()
            raise


def grade_notebook(submission: Submission, *, time_limit: float, save_to: Path | None = None,
                   threads: int | None = None) -> NotebookGrade:
    """Run one submitted notebook on a copy and grade it by its checks' records (see ``grading``)."""
    import nbformat

    started = time.monotonic()
    grade = NotebookGrade(submission.student, submission.file)
    with tempfile.TemporaryDirectory(prefix="lessonkit-grade-") as folder:
        work = Path(folder)
        copy = work / "notebook" / submission.path.name
        copy.parent.mkdir()
        try:
            shutil.copyfile(submission.path, copy)  # the only time the submitted file is opened
            notebook = nbformat.read(copy, as_version=4)
        except Exception as error:  # noqa: BLE001 -- not JSON, not a notebook, unreadable: its row says why
            return _finish(grade, started, "did not run", f"not a notebook Jupyter can read ({_one_line(error)})")
        grade.notebook = which_exercise(notebook, submission.path.name)
        if not grade.notebook:
            return _finish(grade, started, "not an exercise notebook",
                           "it calls none of lessonkit's exercise checks and is not named after an exercise notebook")
        status, notes = _execute(notebook, work, copy.parent, time_limit, threads)
    grade.checks = read_check_records(notebook)
    if save_to is not None and status != "did not run":
        target = save_to / submission.file
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, target)
        grade.executed = f"notebooks/{submission.file}"
    return _finish(grade, started, status, notes)


def _finish(grade: NotebookGrade, started: float, status: str, notes: str) -> NotebookGrade:
    grade.status, grade.notes, grade.seconds = status, notes, time.monotonic() - started
    return grade


def _execute(notebook: Any, work: Path, cwd: Path, time_limit: float, threads: int | None) -> tuple[str, str]:
    """Run every cell; (status, notes). The notebook's cells get their outputs as they ran."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    deadline = time.monotonic() + time_limit
    running: dict[str, Any] = {}

    def time_left(cell: Any) -> int:  # nbclient asks before each cell: what is left of the notebook's time
        running["cell"] = cell
        left = deadline - time.monotonic()
        if left <= 0:
            raise _OutOfTime
        return max(1, math.ceil(left))

    client = NotebookClient(notebook, km=_kernel_manager(work), timeout_func=time_left, allow_errors=True,
                            startup_timeout=int(min(120, max(30, time_limit))), shutdown_kernel="immediate",
                            record_timing=False, resources={"metadata": {"path": str(cwd)}})
    for cell in notebook.cells:  # what the student's own run left: never taken for this run's answers
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    try:  # the kernel process's own messages (not the cells' output) stay out of the instructor's terminal
        with open(work / "kernel.log", "wb") as stream:
            _run_in_thread(client, env=_kernel_environment(work, threads), stdout=stream, stderr=stream)
    except (CellTimeoutError, _OutOfTime):
        where = _where(notebook, running.get("cell"))
        return "timed out", f"stopped after the time limit of {time_limit:g} s, {where}"
    except DeadKernelError:
        return "kernel died", f"the kernel died {_where(notebook, running.get('cell'))} (out of memory, or the code ended it)"
    except Exception as error:  # noqa: BLE001 -- the kernel would not start, a broken cell format, ...
        return "did not run", f"the notebook could not be run: {_one_line(error)}"
    errors = [(cell.get("execution_count"), output) for cell in notebook.cells if cell.cell_type == "code"
              for output in cell.get("outputs", []) if output.get("output_type") == "error"]
    if not errors:
        return "ran", ""
    count, first = errors[0]
    more = f"; {len(errors) - 1} more cell(s) raised" if len(errors) > 1 else ""
    return "ran, with errors", f"In [{count}] raised {first.get('ename')}: {_one_line(first.get('evalue', ''))}{more}"


def _run_in_thread(client: Any, **options: Any) -> None:
    """``client.execute`` in a thread of its own, so that Ctrl-C reaches this thread as KeyboardInterrupt:
    in the main thread nbclient would take the signal, stop the kernel, and the next notebook would start.
    On Ctrl-C the kernel is stopped here, and the interrupt goes on up: the grading run ends."""
    global _RUNNER
    if _RUNNER is None:  # one thread, kept: its event loop serves every notebook
        _RUNNER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lessonkit-grade")
    running = _RUNNER.submit(client.execute, cleanup_kc=True, **options)  # cleanup_kc: the kernel is ours to stop
    try:
        running.result()
    except KeyboardInterrupt:
        process = getattr(getattr(client.km, "provisioner", None), "process", None)
        if process is not None:
            process.kill()  # the thread then sees a dead kernel, cleans up and ends
        with suppress(Exception):
            running.result(timeout=30)
        raise


_RUNNER: ThreadPoolExecutor | None = None


def _where(notebook: Any, cell: Any) -> str:
    if cell is None:
        return "before its first cell"
    index = next((i for i, c in enumerate(notebook.cells) if c is cell), None)
    first = next((line for line in cell.source.splitlines() if line.strip()), "")[:60]
    return f"in cell {index + 1 if index is not None else '?'} ({first!r})"


def _kernel_manager(work: Path) -> Any:
    """A kernel manager for a kernel of this Python, from a spec of its own in the temporary folder."""
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager

    spec = work / "kernels" / KERNEL
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "lessonkit grader", "language": "python"}))
    specs = KernelSpecManager(kernel_dirs=[str(work / "kernels")])
    return AsyncKernelManager(kernel_name=KERNEL, kernel_spec_manager=specs)


def _kernel_environment(work: Path, threads: int | None) -> dict[str, str]:
    """This process's environment, offline, never strict, with an IPython profile of its own."""
    from .checks import STRICT_VARIABLE

    env = {name: value for name, value in os.environ.items() if name != STRICT_VARIABLE}
    env.update(OFFLINE, IPYTHONDIR=str(work / "ipython"), PYDEVD_DISABLE_FILE_VALIDATION="1")
    if threads is not None and "OMP_NUM_THREADS" not in os.environ:
        env["OMP_NUM_THREADS"] = str(threads)
    return env


def _one_line(error: Any) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= 200 else text[:199] + "\u2026"
