"""Colab's code path in `make test`: the lecture notebook on gpt2-medium's shape, activations off the CPU.

nbval runs every notebook on the offline SmolLM2 (a Llama: ``gate_proj``, 30 x 1,536 neurons, its own
tokenizer), on the CPU. Students in Colab run gpt2-medium -- GPT-2 blocks, ``mlp.c_fc``, 24 x 4,096
neurons, GPT-2's tokenizer -- usually on a GPU, where lessonkit keeps the recorded activations. Here
the lecture notebook runs with ``LESSONKIT_MODEL=gpt2-medium-random`` (that shape, GPT-2's exact
tokenizer, random weights: the same code path and cost, numbers that mean nothing, so the notebook
must hold for any model), and with every recording kept on a device that is not the CPU
(``off_cpu_startup.py``), so a cell that gives activations to numpy without ``.cpu()`` fails here as
on a GPU. ``make colab-check`` runs every notebook on both models, on Colab's versions.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import nbformat
import pytest
from jupyter_client import KernelManager
from nbclient import NotebookClient
from nbval.kernel import CURRENT_ENV_KERNEL_NAME, NbvalKernelspecManager

import lessonkit
from lessonkit._machinery.memory import COLAB_FREE_RAM_GIB

ROOT = Path(__file__).resolve().parents[1]
LECTURE = ROOT / "notebooks" / "01_proper_noun_neurons.ipynb"
ASK = "import lessonkit as _lk\nprint('activations recorded by', _lk.hooks.MlpRecorder.__init__.__name__)"


def run_notebook(path: Path) -> nbformat.NotebookNode:
    """Execute a copy of the notebook, plus a cell that says how activations were kept, in a kernel of
    this environment (as nbval's --nbval-current-env); the kernel inherits this process's environment."""
    notebook = nbformat.read(path, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell(ASK))
    kernel = KernelManager(kernel_name=CURRENT_ENV_KERNEL_NAME, kernel_spec_manager=NbvalKernelspecManager())
    try:
        NotebookClient(notebook, km=kernel, timeout=1800, resources={"metadata": {"path": str(path.parent)}}).execute()
    finally:
        kernel.shutdown_kernel(now=True)  # a kernel handed to nbclient is not shut down by it
    return notebook


def printed(cell) -> str:
    return "".join(out.get("text", "") + "".join(str(v) for v in out.get("data", {}).values())
                   for out in cell.get("outputs", []))


@pytest.fixture
def off_cpu_kernel(tmp_path, monkeypatch):
    """Kernels started in this test load off_cpu_startup.py first (an IPython profile of their own)."""
    startup = tmp_path / "ipython" / "profile_default" / "startup"
    startup.mkdir(parents=True)
    shutil.copy(ROOT / "tests" / "off_cpu_startup.py", startup / "00-activations-off-the-cpu.py")
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))


@pytest.mark.slow
def test_the_lecture_notebook_runs_on_gpt2_mediums_shape_with_activations_off_the_cpu(off_cpu_kernel, monkeypatch):
    monkeypatch.setenv("LESSONKIT_MODEL", "gpt2-medium-random")
    cells = [cell for cell in run_notebook(LECTURE).cells if cell.cell_type == "code"]
    shown = "\n".join(printed(cell) for cell in cells)
    assert "activations recorded by record_off_the_cpu" in printed(cells[-1])  # the recordings were off the CPU
    assert "GPT2LMHeadModel" in shown and "24 layers x 4,096 MLP neurons" in shown  # gpt2-medium's shape ran
    assert "RANDOM weights" in shown  # and the model card said what that means
    if lessonkit.text.wikitext_source() != "bundled":
        assert "11,524 tokens" in shown  # GPT-2's exact tokenizer on the lecture's rows: its count
    peak_ram = float(re.search(r"RAM ([\d.]+) GiB", printed(cells[-2])).group(1))  # the notebook's own last line
    assert peak_ram < COLAB_FREE_RAM_GIB / 2, f"the lecture at gpt2-medium's shape needed {peak_ram} GiB of RAM"
