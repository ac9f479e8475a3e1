"""What each notebook costs to run: wall time and peak memory, on a chosen model, one fresh kernel each.

    python benchmarks/bench_notebooks.py                                  # gpt2-medium-random, every notebook
    python benchmarks/bench_notebooks.py --model smollm2-135m notebooks/03_is_it_really_a_proper_noun_neuron.ipynb

Runs each notebook (default: notebooks/, exercises/, exercises/solutions/) from top to bottom in a
kernel of this Python with ``LESSONKIT_MODEL`` set (offline, as ``make test``), going on past a cell
that raises (and saying which), then asks that kernel for ``lk.peak_memory()``: its peak RAM (RSS) and, on a GPU, torch's peak allocation. Colab's free
tier has 12.7 GiB of RAM and a 15 GiB T4.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import nbformat
from jupyter_client import KernelManager
from nbclient import NotebookClient
from nbval.kernel import CURRENT_ENV_KERNEL_NAME, NbvalKernelspecManager

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = ("notebooks", "exercises", "exercises/solutions")
ASK = "import lessonkit as _lk; print(_lk.peak_memory())"


def run(path: Path) -> tuple[float, str, list[str]]:
    """Execute a copy of the notebook plus one cell that prints its kernel's peak memory, going on past
    errors: (seconds, that line, one line per cell that raised)."""
    notebook = nbformat.read(path, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell(ASK))
    kernel = KernelManager(kernel_name=CURRENT_ENV_KERNEL_NAME, kernel_spec_manager=NbvalKernelspecManager())
    start = time.perf_counter()
    try:
        NotebookClient(notebook, km=kernel, timeout=3600, allow_errors=True,
                       resources={"metadata": {"path": str(path.parent)}}).execute()
    finally:
        kernel.shutdown_kernel(now=True)  # a kernel handed to nbclient is not shut down by it
    errors = [f"cell {i}: {out['ename']}: {out['evalue'][:200]}" for i, cell in enumerate(notebook.cells)
              for out in cell.get("outputs", []) if out.get("output_type") == "error"]
    # stdout only: an earlier cell's progress bar can still write to stderr in the last cell
    printed = "".join(out.get("text", "") for out in notebook.cells[-1].outputs if out.get("name") == "stdout")
    return time.perf_counter() - start, printed.strip() or "peak memory: not printed", errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--model", default="gpt2-medium-random")
    args = parser.parse_args()
    os.environ["LESSONKIT_MODEL"] = args.model  # the kernels inherit this process's environment
    for name, value in (("LESSONKIT_OFFLINE", "1"), ("HF_HUB_OFFLINE", "1"), ("MPLBACKEND", "Agg")):
        os.environ.setdefault(name, value)
    paths = args.notebooks or sorted(p for folder in FOLDERS for p in (ROOT / folder).glob("*.ipynb"))
    print(f"LESSONKIT_MODEL={args.model}; each notebook in a fresh kernel")
    for path in paths:
        seconds, line, errors = run(path.resolve())
        print(f"{path.resolve().relative_to(ROOT)}: {seconds:.0f} s; {line}", flush=True)
        for error in errors:
            print(f"    raised in {error}", flush=True)


if __name__ == "__main__":
    main()
