"""The live classroom: a notebook shows the same thing however often, and in whatever order, its cells run.

An instructor re-runs cells in front of a class: a step again, a figure from before, the stop button
in a slow pass. For the lecture notebook and each solved exercise notebook, one kernel (nbclient)
runs this schedule, and every text and HTML output is compared with what "Run All" showed first
(times, speed ratios, dates and memory addresses masked; figures compared as PNG bytes; progress
bars and widget views left out):

1. **Run All**, the reference;
2. **backwards**: every code cell once, from the last to the first -- each cell runs after every
   later cell has run (a later cell, then an earlier one);
3. **each section to the end**: for each numbered step (each ``##`` heading), from the last to the
   first, its first cell to the end of the notebook -- so every later cell runs again after the
   earlier ones (the later one again), and every step is re-run as an instructor would.

After every stage, no model in the kernel has a hook left on it. The lecture notebook then meets the
stop button in its step-5 forward pass: the next cells say in one line that the recording was
interrupted, and running step 5 again mends everything.

The student notebooks run the same cells minus the solutions (`# your code here`), and the rule that
makes re-running safe is checked on all of them (``test_notebook_rule.py``).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pytest

nbclient = pytest.importorskip("nbclient")

ROOT = Path(__file__).resolve().parents[1]
LECTURE = "notebooks/01_proper_noun_neurons.ipynb"
RERUN = [LECTURE, *sorted(p.relative_to(ROOT).as_posix() for p in ROOT.glob("exercises/solutions/[0-9][0-9]_*.ipynb"))]
CELL_TIMEOUT = 600  # seconds; one cell of the lecture takes ~10 s on two busy cores

pytestmark = [pytest.mark.slow, pytest.mark.rerun]  # `-m "not rerun"` leaves them out of a quick run

# What legitimately changes from run to run, masked before comparing.
MASKS = [
    (re.compile(r"0x[0-9a-fA-F]{4,}"), "0x<address>"),
    (re.compile(r"\b\d+(?:\.\d+)?x (faster|slower)"), r"<ratio> \1"),
    (re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*\s?(?:ns|µs|us|ms|s|sec|seconds|min)\b"), "<time>"),
    (re.compile(r"\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} \w{3} \d{4}\b"), "<date>"),  # statsmodels' summary
    (re.compile(r"\b\d{2}:\d{2}:\d{2}\b"), "<clock>"),
    # the last cell's lk.peak_memory(): a peak only grows as cells run again
    (re.compile(r"(peak memory of this Python process: .*?)\b\d+\.\d+ GiB"), r"\1<peak> GiB"),
    (re.compile(r"(GPU \S+ )\d+\.\d+ GiB"), r"\1<peak> GiB"),
]
PROGRESS_BAR = re.compile(r"\d+%\|")  # a tqdm bar as text (stderr, or a widget's text/plain)
WIDGET = "application/vnd.jupyter.widget-view+json"

# Run in the kernel after each stage: how many models it holds, and how many hooks sit on them.
HOOK_PROBE = """
def _lessonkit_hook_probe():
    import torch, lessonkit
    models = [value for value in globals().values() if isinstance(value, torch.nn.Module)]
    print(len(models), sum(lessonkit.count_hooks(model) for model in models))
_lessonkit_hook_probe()
del _lessonkit_hook_probe
"""


def mask(text: str) -> str:
    for pattern, replacement in MASKS:
        text = pattern.sub(replacement, text)
    return text


def shown(outputs: list) -> list[str]:
    """What a cell shows, comparable across runs: streams joined per name, text/plain and text/html
    masked, PNGs by digest, errors by name and value; widget views and progress bars left out."""
    streams: dict[str, str] = {}
    rich = []
    for output in outputs:
        if output.output_type == "stream":
            streams[output.name] = streams.get(output.name, "") + output.text
        elif output.output_type == "error":
            rich.append(f"error {output.ename}: {output.evalue}")
        elif output.output_type in ("display_data", "execute_result"):
            data = output.get("data", {})
            if WIDGET in data or PROGRESS_BAR.search(data.get("text/plain", "")):
                continue
            for mime in ("text/plain", "text/html"):
                if mime in data:
                    rich.append(f"{mime}: {mask(data[mime])}")
            if "image/png" in data:
                rich.append("image/png: " + hashlib.sha256(data["image/png"].encode()).hexdigest()[:16])
    text = [f"{name}: {mask(''.join(line for line in value.splitlines(keepends=True) if not PROGRESS_BAR.search(line)))}"
            for name, value in sorted(streams.items())]
    return [t for t in text if t.split(": ", 1)[1].strip()] + rich


@dataclass
class Session:
    """One notebook in one kernel: its cells, the reference outputs, and what each stage showed."""

    path: str
    notebook: nbformat.NotebookNode
    client: object
    first: dict[int, list[str]] = field(default_factory=dict)  # cell index -> what Run All showed
    stages: list[tuple[str, int, list[str]]] = field(default_factory=list)  # (stage, cell index, shown)
    hooks: list[tuple[str, str]] = field(default_factory=list)  # (after which stage, "models hooks")
    seconds: dict[str, float] = field(default_factory=dict)

    code_cells: list[int] = field(default_factory=list)  # the notebook's own code cells

    def __post_init__(self) -> None:
        self.code_cells = [i for i, cell in enumerate(self.notebook.cells) if cell.cell_type == "code"]
        self.notebook.cells.append(nbformat.v4.new_code_cell())  # a scratch cell at the end, for our probes

    def run(self, index: int) -> list[str]:
        cell = self.notebook.cells[index]
        self.client.execute_cell(cell, index)
        return shown(cell.outputs)

    def run_code(self, source: str) -> str:
        """Run ``source`` in the kernel (in the scratch cell); what it printed, or its error."""
        cell = self.notebook.cells[-1]
        cell.source = source
        self.client.execute_cell(cell, len(self.notebook.cells) - 1)
        return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream") + "".join(
            f"{o.ename}: {o.evalue}" for o in cell.outputs if o.output_type == "error")

    def stage(self, name: str, indices: list[int]) -> None:
        started = time.perf_counter()
        for index in indices:
            self.stages.append((name, index, self.run(index)))
        self.seconds[name] = time.perf_counter() - started
        self.hooks.append((name, self.run_code(HOOK_PROBE).strip()))

    def cell_with(self, text: str) -> int:
        found = [i for i in self.code_cells if text in self.notebook.cells[i].source]
        assert len(found) == 1, f"{self.path}: {len(found)} code cells hold {text!r}"
        return found[0]


def section_starts(notebook: nbformat.NotebookNode) -> list[tuple[str, int]]:
    """Each ``##`` section that holds code: its heading, and the index of its first code cell."""
    starts, heading = [], None
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "markdown":
            title = next((line for line in cell.source.splitlines() if line.startswith("## ")), None)
            if title:
                heading = title[3:].strip()
        elif cell.cell_type == "code" and heading is not None:
            starts.append((heading, index))
            heading = None
    return starts


def _kernel_env() -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("PYTEST_")}
    env.pop("MPLBACKEND", None)  # figures inline, as a class sees them: their PNGs are compared too
    env.setdefault("LESSONKIT_OFFLINE", "1")
    env.setdefault("HF_HUB_OFFLINE", "1")
    return env


@pytest.fixture(scope="module", params=RERUN)
def session(request, tmp_path_factory):
    path = request.param
    folder = tmp_path_factory.mktemp("rerun")  # the kernel works in a copy's folder: nothing lands in the tree
    shutil.copyfile(ROOT / path, folder / Path(path).name)
    notebook = nbformat.read(folder / Path(path).name, as_version=4)
    client = nbclient.NotebookClient(notebook, timeout=CELL_TIMEOUT, kernel_name="python3", allow_errors=True,
                                     resources={"metadata": {"path": str(folder)}})
    with client.setup_kernel(env=_kernel_env()):
        run = Session(path, notebook, client)
        run.stage("Run All", run.code_cells)
        run.first = {index: outputs for _, index, outputs in run.stages}
        run.stage("backwards", run.code_cells[::-1])
        for heading, start in section_starts(notebook)[::-1]:
            run.stage(f"from '{heading}' to the end", [i for i in run.code_cells if i >= start])
        if path == LECTURE:
            _stop_button_in_step_5(run)
        yield run
    print(f"\n{path}: " + ", ".join(f"{name} {seconds:.0f} s" for name, seconds in run.seconds.items()
                                   if name in ("Run All", "backwards")) +
          f", every section to the end {sum(s for n, s in run.seconds.items() if n.startswith('from')):.0f} s")


def _differences(run: Session, stage_filter) -> list[str]:
    different = []
    for stage, index, outputs in run.stages:
        if stage_filter(stage) and outputs != run.first[index]:
            source = run.notebook.cells[index].source.strip().splitlines()
            different.append(f"{stage}, cell {index} ({source[0][:60] if source else ''!r}):\n"
                             f"    Run All showed {run.first[index]}\n    now it shows   {outputs}")
    return different


def test_run_all_shows_no_error(session):
    errors = [f"cell {i}: {line}" for i, outputs in session.first.items() for line in outputs if line.startswith("error")]
    assert not errors, f"{session.path}: " + "\n".join(errors)


def test_each_section_run_again_to_the_end_shows_what_run_all_showed(session):
    different = _differences(session, lambda stage: stage.startswith("from"))
    assert not different, f"{session.path}: re-running a section changed what a cell shows:\n" + "\n".join(different[:5])


def test_a_later_cell_then_an_earlier_then_the_later_again_show_what_run_all_showed(session):
    different = _differences(session, lambda stage: stage == "backwards")
    assert not different, (f"{session.path}: a cell run after the cells below it shows something else:\n"
                           + "\n".join(different[:5]))
    assert len(section_starts(session.notebook)) >= 3  # ... and the later ones ran again after it (the sections)


def test_no_hook_is_left_on_a_model_after_any_stage(session):
    models_and_hooks = {stage: probe for stage, probe in session.hooks}
    assert all(probe.split()[0] != "0" for probe in models_and_hooks.values()), f"no model found: {models_and_hooks}"
    leaks = {stage: probe for stage, probe in models_and_hooks.items() if probe.split()[1:] != ["0"]}
    assert not leaks, f"{session.path}: hooks left (models, hooks) after: {leaks}"


# ------------------------------------------------------------ the stop button in the lecture's step 5

PRESS_STOP_IN_THE_PASS = """
def _press_stop_when_block_5_starts():
    import os, signal, time
    from lessonkit._machinery.mlp_sites import block_modules

    def press(module, args):
        handle.remove()
        os.kill(os.getpid(), signal.SIGINT)  # what the stop button sends to the kernel
        time.sleep(30)  # the pass is interrupted here, half-way through the model

    handle = block_modules(model)[5].module.register_forward_pre_hook(press)
_press_stop_when_block_5_starts()
del _press_stop_when_block_5_starts
"""


def _stop_button_in_step_5(run: Session) -> None:
    step_5, check, step_7 = (run.cell_with("lk.record_mlp(model"), run.cell_with("lk.run_up_to_layer"),
                             run.cell_with("X = np.vstack"))
    run.run_code(PRESS_STOP_IN_THE_PASS)
    run.stop_button = {"step 5": run.run(step_5), "hooks": run.run_code(HOOK_PROBE).strip(),
                       "check": run.run(check), "step 7": run.run(step_7)}
    run.stop_button["step 5 again"] = run.run(step_5)
    run.stop_button["check again"] = run.run(check)
    run.stop_button["reference"] = (run.first[step_5], run.first[check])


def test_the_stop_button_in_step_5_leaves_no_hook_and_no_recording_that_looks_whole(session):
    if session.path != LECTURE:
        pytest.skip("the stop-button scenario is the lecture's step 5")
    seen = session.stop_button
    assert any(line.startswith("error KeyboardInterrupt") for line in seen["step 5"]), seen["step 5"]
    assert seen["hooks"].split()[1:] == ["0"], f"hooks left after the stop button: {seen['hooks']}"
    for step in ("check", "step 7"):
        errors = [line for line in seen[step] if line.startswith("error")]
        assert len(errors) == 1 and errors[0].startswith("error RecordingInterrupted: "), (step, seen[step])
        assert "\n" not in errors[0] and "run the cell that recorded them again" in errors[0], errors[0]
    assert (seen["step 5 again"], seen["check again"]) == seen["reference"]
