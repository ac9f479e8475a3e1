"""The notebooks as students see them: JupyterLab in headless Chromium, every cell run, the page checked.

Headless tests of widget objects cannot see the page (a PNG sent as raw bytes renders as a broken
image, and passed every headless test). Here JupyterLab serves *copies* of the notebooks from a
temporary folder, offline, made and served as ``make lab`` makes and serves them (tools/lab.py);
Chromium opens each one, runs all cells and waits for the kernel; the tests then read what the page
shows: no error output, the neuron explorer drawn as widgets, a key press on its neuron slider
redrawing the summary and heatmap, the matplotlib view a loaded image, the HTML heatmap a coloured,
titled span per token; an exercise given a wrong answer showing its hint; and, in the lecture, the
hooks cell re-run after step 7 leaving step 10's heatmaps as they were. After the whole run no file
has appeared beside the copies (a save included), and no tracked file has changed.

Screenshots (each notebook after its run, the explorer after a slider move and in matplotlib view)
go to ``browser-screenshots/`` (git-ignored; ``LESSONKIT_SCREENSHOTS`` moves it). Without Chromium,
chromedriver or selenium every test here is skipped with one reason. ``pytest -m "not browser"``
leaves them out.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pytest

import _jupyterlab as jl

pytestmark = pytest.mark.browser
if jl.browser_missing():  # one line in the summary, not one per test
    pytest.skip(jl.browser_missing(), allow_module_level=True)

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted({p.relative_to(ROOT).as_posix()
                    for p in [*ROOT.glob("notebooks/*.ipynb"), *ROOT.glob("exercises/**/*.ipynb")]
                    if ".ipynb_checkpoints" not in p.parts})
STUDENT_EXERCISES = next((p for p in NOTEBOOKS if p.startswith("exercises/") and "/solutions/" not in p), None)
SCREENSHOTS = Path(os.environ.get("LESSONKIT_SCREENSHOTS") or ROOT / "browser-screenshots")
RUN_TIMEOUT = 900  # seconds for one notebook's "Run All": a limit, not a timing (notebook 03 took ~330 s on 2 loaded cores)
WIDGET_TIMEOUT = 30  # seconds for the page to follow a key press or a click

# What a widget looks like when the page could not draw it: its Python repr, or ipywidgets' error box.
WIDGET_AS_TEXT = re.compile(r"^\s*(NeuronExplorer|VBox|HBox|Box|IntSlider|FloatSlider|ToggleButtons|Dropdown|"
                            r"Output|HTML|Tab|Accordion)\(")
WIDGET_ERRORS = ("Error displaying widget", "Error rendering output", "model not found")


# ------------------------------------------------------------------------------------------------ the lab


@dataclass
class Lab:
    server: jl.LabServer
    page: jl.LabPage
    root: Path
    timings: dict[str, float] = field(default_factory=dict)


def _digest(paths: list[Path]) -> dict[str, str]:
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in paths if p.is_file()}


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """JupyterLab on a loopback port serving copies of the notebooks, and a Chromium tab on it."""
    suite_started = time.perf_counter()
    tracked = [ROOT / p for p in NOTEBOOKS] + [(ROOT / p).with_suffix(".py") for p in NOTEBOOKS]
    before = _digest(tracked)
    if "LESSONKIT_SCREENSHOTS" not in os.environ:  # our own folder: no stale picture from an earlier run
        for old in SCREENSHOTS.glob("*.png"):
            old.unlink()
    root = tmp_path_factory.mktemp("lab")
    lab_tool = jl.lab_tool()
    for notebook in NOTEBOOKS:  # copied as `make lab` copies them: without jupytext's pairing
        lab_tool.copy_for_class(ROOT / notebook, root / notebook)
    offline = {"LESSONKIT_OFFLINE": "1", "HF_HUB_OFFLINE": "1"}
    if os.environ.get("LESSONKIT_WIKITEXT"):
        offline["LESSONKIT_WIKITEXT"] = os.environ["LESSONKIT_WIKITEXT"]
    pytest_variables = tuple(name for name in os.environ if name.startswith("PYTEST_"))
    started = time.perf_counter()
    # a student's kernel: figures drawn inline, checks answering in one line (never strict, as make test is)
    server = jl.LabServer(root, offline, drop_env=("MPLBACKEND", "LESSONKIT_STRICT_CHECKS", *pytest_variables),
                          options=lab_tool.LAB_OPTIONS)
    try:
        driver = jl.start_chromium(tmp_path_factory.mktemp("chromium-profile"))
    except Exception:
        server.stop()
        raise
    lab = Lab(server, jl.LabPage(driver, server), root)
    lab.timings["start JupyterLab and Chromium"] = time.perf_counter() - started
    jl.REPORT.append(f"browser screenshots: {SCREENSHOTS}")
    yield lab
    driver.quit()
    server.stop()
    lab.timings["the whole browser suite (set-up to tear-down)"] = time.perf_counter() - suite_started
    for name, seconds in lab.timings.items():
        jl.REPORT.append(f"browser timing: {name}: {seconds:.1f} s")
    assert _digest(tracked) == before, "the browser tests changed a tracked notebook or its twin"
    ours = {root / n for n in NOTEBOOKS} | {p for p in root.rglob("wrong_answer_*.ipynb")}
    beside = sorted(str(p.relative_to(root)) for p in root.rglob("*")
                    if p.is_file() and p not in ours and not {".lab-home", ".ipynb_checkpoints"} & set(p.relative_to(root).parts))
    assert not beside, f"files appeared beside the notebooks a class opens: {beside}"


@dataclass
class NotebookRun:
    """A notebook after "Run All": its path in the lab, the final state of its cells, the page."""

    path: str
    state: dict
    page: jl.LabPage


def _run_notebook(lab: Lab, path: str, screenshot_name: str) -> NotebookRun:
    started = time.perf_counter()
    lab.server.shutdown_kernels()  # the previous notebook's kernel holds a model in memory
    lab.page.open_notebook(path, workspace=re.sub(r"\W", "-", path))
    lab.page.run_all(path)
    state = lab.page.wait_until_done(path, RUN_TIMEOUT)
    lab.timings[f"open and run {path}"] = time.perf_counter() - started
    shot = lab.page.screenshot_notebook(path, SCREENSHOTS / f"{screenshot_name}.png")
    jl.REPORT.append(f"  {shot.name}: {path} after Run All")
    return NotebookRun(path, state, lab.page)


@pytest.fixture(scope="module", params=NOTEBOOKS)
def notebook(request, lab) -> NotebookRun:
    """Each notebook, opened in JupyterLab and run from top to bottom (once; its tests share the page)."""
    path = request.param
    return _run_notebook(lab, path, screenshot_name=Path(path).stem + ("-solutions" if "/solutions/" in path else ""))


def _full_source(path: str) -> str:
    """The notebook's whole source, from the tracked file (the page's model gives excerpts)."""
    return "\n".join(cell.source for cell in nbformat.read(ROOT / path, as_version=4).cells)


# ------------------------------------------------------------------------------------------------ the page


_EXPLORERS_JS = """
const scope = arguments[0];
let roots = [...scope.querySelectorAll('.lessonkit-explorer')];
if (!roots.length) {  // before the explorer carried its own class: ipywidgets' box holding a "neuron" slider
  roots = [...scope.querySelectorAll('.jp-OutputArea-output > .jupyter-widgets.widget-vbox')].filter(box =>
    [...box.querySelectorAll('.widget-slider .widget-label')].some(label => label.textContent.trim() === 'neuron'));
}
return roots;
"""

# The parts of one explorer: the neuron slider (its handle and readout), the summary line, the view.
_PARTS_JS = """
const root = arguments[0];
const sliders = [...root.querySelectorAll('.widget-slider')];
const neuron = sliders.find(s => (s.querySelector('.widget-label') || {}).textContent.trim() === 'neuron');
const htmls = [...root.querySelectorAll('.widget-html')];
const summary = root.querySelector('.lessonkit-summary') ||
  htmls.find(h => !h.querySelector('.lessonkit-heatmap') && /neuron/.test(h.textContent));
const view = root.querySelector('.lessonkit-view') || htmls.find(h => h.querySelector('.lessonkit-heatmap'));
return {sliders: sliders.length,
        handle: neuron ? neuron.querySelector('.noUi-handle, .ui-slider-handle, input[type=range]') : null,
        readout: neuron ? neuron.querySelector('.widget-readout') : null,
        summary: summary || null, view: view || null};
"""


def _explorers(run: NotebookRun) -> list:
    return run.page.driver.execute_script(_EXPLORERS_JS, run.page.notebook_node(run.path))


def _explorer(run: NotebookRun):
    """The notebook's first neuron explorer (skip where the notebook has none)."""
    if "NeuronExplorer" not in _full_source(run.path):
        pytest.skip(f"{run.path} has no neuron explorer")
    roots = _explorers(run)
    assert roots, f"{run.path}: no neuron explorer drawn as widgets (no box with a 'neuron' slider)"
    return roots[0]


def _parts(run: NotebookRun, root) -> dict:
    parts = run.page.driver.execute_script(_PARTS_JS, root)
    missing = [name for name in ("handle", "readout", "summary", "view") if parts[name] is None]
    assert not missing, f"{run.path}: the explorer has no {', '.join(missing)} on the page"
    return parts


def _text(run: NotebookRun, element) -> str:
    return run.page.driver.execute_script("return arguments[0].textContent;", element)


def _inner_html(run: NotebookRun, element) -> str:
    return run.page.driver.execute_script("return arguments[0].innerHTML;", element)


# ------------------------------------------------------------------------------------------------ tests


def test_every_cell_runs_and_no_error_is_shown(notebook):
    cells = notebook.state["cells"]
    not_run = [c["index"] for c in cells if c["count"] is None]
    errors = [f"cell {c['index']}: {o['ename']}: {o['evalue']}" for c in cells for o in c["outputs"] if o["type"] == "error"]
    tracebacks = [f"cell {c['index']} ({o['name']}): {o['text'][:300]}" for c in cells for o in c["outputs"]
                  if o["type"] == "stream" and o["name"] == "stderr" and "Traceback" in o["text"]]
    for cell in cells:  # what else a student reads in red: warnings, progress text (reported, not failed)
        for output in cell["outputs"]:
            if output["type"] == "stream" and output["name"] == "stderr" and "Traceback" not in output["text"]:
                first_line = output["text"].strip().splitlines()[0][:100] if output["text"].strip() else ""
                jl.REPORT.append(f"  stderr in {notebook.path}, cell {cell['index']}: {first_line}")
    assert not errors and not tracebacks, f"{notebook.path}: errors on the page:\n" + "\n".join(errors + tracebacks)
    assert not not_run, f"{notebook.path}: cells {not_run} never ran (Run All stopped early)"
    page_text = _text(notebook, notebook.page.notebook_node(notebook.path))
    shown = [message for message in WIDGET_ERRORS if message in page_text]
    assert not shown, f"{notebook.path}: the page shows {shown}"
    outputs = notebook.page.driver.execute_script(
        "return [...arguments[0].querySelectorAll('.jp-OutputArea-output')].map(o => o.innerText.slice(0, 200));",
        notebook.page.notebook_node(notebook.path))
    as_text = [text for text in outputs if WIDGET_AS_TEXT.match(text)]
    assert not as_text, f"{notebook.path}: widgets shown as text instead of widgets: {as_text}"


def test_explorer_is_drawn_as_widgets(notebook):
    root = _explorer(notebook)
    parts = _parts(notebook, root)
    assert parts["sliders"] >= 2, f"{notebook.path}: the explorer shows {parts['sliders']} sliders (layer, neuron)"
    summary = _text(notebook, parts["summary"])
    assert "neuron" in summary and "beta" in summary, f"{notebook.path}: the summary line reads {summary!r}"


def test_html_heatmap_has_one_coloured_titled_span_per_token(notebook):
    root = _explorer(notebook)
    view = _parts(notebook, root)["view"]
    spans = notebook.page.driver.execute_script("""
        const heatmap = arguments[0].querySelector('div.lessonkit-heatmap');
        if (!heatmap) return null;
        const clear = c => !c || c === 'transparent' || c === 'rgba(0, 0, 0, 0)';
        // token spans: innermost spans that carry a tooltip or a background colour
        return [...heatmap.querySelectorAll('span')].filter(span => !span.querySelector('span'))
          .map(span => ({title: span.getAttribute('title'), text: span.textContent,
                         colour: getComputedStyle(span).backgroundColor}))
          .filter(span => span.title || !clear(span.colour));""", view)
    assert spans is not None, f"{notebook.path}: the explorer's view has no div.lessonkit-heatmap"
    assert len(spans) > 100, f"{notebook.path}: the heatmap shows only {len(spans)} token spans"
    untitled = [s["text"] for s in spans if not s["title"]]
    uncoloured = [s["text"] for s in spans if s["colour"] in ("", "transparent", "rgba(0, 0, 0, 0)")]
    assert not untitled and not uncoloured, (
        f"{notebook.path}: spans without a title {untitled[:5]}, without a background colour {uncoloured[:5]}")
    indices = [int(m.group(1)) for s in spans if (m := re.match(r"#(\d+)", s["title"]))]
    assert indices == list(range(len(spans))), (
        f"{notebook.path}: the tooltips should number the tokens #0..#{len(spans) - 1}, one span each; "
        f"got {indices[:5]}...{indices[-5:]} ({len(indices)} numbered of {len(spans)})")
    assert len({s["colour"] for s in spans}) > 2, f"{notebook.path}: every token has the same colour"


def test_neuron_slider_key_press_redraws_summary_and_heatmap(notebook):
    from selenium.webdriver.common.keys import Keys

    root = _explorer(notebook)
    parts = _parts(notebook, root)
    page = notebook.page
    before = (_text(notebook, parts["readout"]).strip(), _text(notebook, parts["summary"]), _inner_html(notebook, parts["view"]))
    at_end = page.driver.execute_script(
        "const h = arguments[0]; return h.getAttribute('aria-valuenow') === h.getAttribute('aria-valuemax');", parts["handle"])
    page.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", parts["handle"])
    parts["handle"].send_keys(Keys.ARROW_LEFT if at_end else Keys.ARROW_RIGHT)
    step = -1 if at_end else 1
    expected = str(int(float(before[0])) + step)

    def moved():
        now = (_text(notebook, parts["readout"]).strip(), _text(notebook, parts["summary"]),
               _inner_html(notebook, parts["view"]))
        return now if now[0] == expected and now[1] != before[1] and now[2] != before[2] else None

    try:
        after = page.wait_for(moved, WIDGET_TIMEOUT, "no redraw")
    except TimeoutError:
        now = _text(notebook, parts["readout"]).strip(), _text(notebook, parts["summary"])
        pytest.fail(f"{notebook.path}: after the key press the neuron reads {now[0]} (expected {expected}); "
                    f"summary {'changed' if now[1] != before[1] else 'unchanged'}: {now[1][:120]!r}; "
                    f"heatmap {'changed' if _inner_html(notebook, parts['view']) != before[2] else 'unchanged'}")
    assert f"neuron {expected}" in after[1], f"{notebook.path}: the summary names another neuron: {after[1][:120]!r}"
    shot = page.screenshot_element(root, SCREENSHOTS / f"{Path(notebook.path).stem}-after-slider.png")
    jl.REPORT.append(f"  {shot.name}: {notebook.path}, the explorer after ArrowRight on its neuron slider")


def test_matplotlib_view_is_a_loaded_image(notebook):
    root = _explorer(notebook)
    page = notebook.page
    button = page.driver.execute_script(
        "return [...arguments[0].querySelectorAll('.widget-toggle-buttons button')]"
        ".find(b => b.textContent.trim() === 'matplotlib') || null;", root)
    assert button is not None, f"{notebook.path}: the explorer has no 'matplotlib' heatmap button"
    page.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", button)
    button.click()
    image = page.wait_for(lambda: page.driver.execute_script(
        "const img = arguments[0].querySelector('img'); return img && img.complete ? img : null;", root),
        WIDGET_TIMEOUT, f"{notebook.path}: no image appeared in the explorer after choosing matplotlib")
    time.sleep(0.5)
    shot = page.screenshot_element(root, SCREENSHOTS / f"{Path(notebook.path).stem}-matplotlib-view.png")
    jl.REPORT.append(f"  {shot.name}: {notebook.path}, the explorer's matplotlib view")
    width, source = page.driver.execute_script(
        "return [arguments[0].naturalWidth, (arguments[0].getAttribute('src') || '').slice(0, 60)];", image)
    assert width > 0, f"{notebook.path}: the matplotlib view is a broken image (naturalWidth 0, src {source!r})"


def _wrong_answer_notebook(root: Path) -> str:
    """A copy of the student exercises, Bonferroni answered with the classic mistake (p < alpha),
    cut after that exercise's check: what a student who got it wrong sees."""
    notebook = nbformat.read(ROOT / STUDENT_EXERCISES, as_version=4)
    answer = next((i for i, cell in enumerate(notebook.cells)
                   if cell.cell_type == "code" and "def bonferroni_significant" in cell.source), None)
    assert answer is not None, f"{STUDENT_EXERCISES}: no cell defines bonferroni_significant"
    source = notebook.cells[answer].source
    assert "raise NotImplementedError" in source, f"{STUDENT_EXERCISES}: the Bonferroni exercise is already solved"
    notebook.cells[answer].source = source.replace("raise NotImplementedError", "return pvalues < alpha", 1)
    notebook.cells = notebook.cells[: answer + 1]
    if "check" not in notebook.cells[answer].source:  # the check in a cell of its own, right below
        notebook.cells.append(nbformat.read(ROOT / STUDENT_EXERCISES, as_version=4).cells[answer + 1])
    path = Path(STUDENT_EXERCISES).with_name("wrong_answer_bonferroni.ipynb").as_posix()
    nbformat.write(notebook, root / path)
    return path


@pytest.mark.skipif(STUDENT_EXERCISES is None, reason="no student exercise notebook in exercises/")
def test_wrong_answer_shows_its_hint(lab):
    path = _wrong_answer_notebook(lab.root)
    run = _run_notebook(lab, path, screenshot_name="exercise-wrong-answer")
    checked = [c for c in run.state["cells"] if "bonferroni_significant" in c["source"]][-1]
    cell = run.page.driver.execute_script(
        jl.PANEL_JS + "return panelFor(arguments[0]).content.widgets[arguments[1]].node;", path, checked["index"])
    hints = run.page.driver.execute_script("""
        const lines = [];
        for (const output of arguments[0].querySelectorAll('.jp-OutputArea-output')) {
          for (const line of output.innerText.split('\\n')) if (/hint/i.test(line)) lines.push(line.trim());
        }
        return lines;""", cell)
    assert hints, f"{path}: a wrong Bonferroni answer shows no hint; its outputs read: " + " | ".join(
        o["text"][-300:] for o in checked["outputs"])
    shown = [line for o in checked["outputs"] for line in o["text"].splitlines() if line.strip()]
    assert len(shown) == 1 and not any(o["type"] == "error" for o in checked["outputs"]), (
        f"{path}: a student should see one line, not {len(shown)} lines / a traceback: {shown[:4]}")
    visible = run.page.driver.execute_script("""
        const area = arguments[0].querySelector('.jp-OutputArea');
        arguments[0].scrollIntoView({block: 'start'});
        const r = area ? area.getBoundingClientRect() : null;
        return !!r && r.height > 0 && getComputedStyle(area).visibility !== 'hidden';""", cell)
    assert visible, f"{path}: the check's output area is hidden or collapsed"
    shot = run.page.screenshot_element(cell, SCREENSHOTS / "exercise-wrong-answer-hint.png")
    jl.REPORT.append(f"  {shot.name}: the Bonferroni exercise answered with p < alpha, and its check's answer")



# ------------------------------------------------------------------------------------------------ re-running


LECTURE = "notebooks/01_proper_noun_neurons.ipynb"


def _cell_index(run: NotebookRun, text: str) -> int:
    found = [c["index"] for c in run.state["cells"] if text in c["source"]]
    assert len(found) == 1, f"{run.path}: {len(found)} code cells hold {text!r}"
    return found[0]


def _run_cell(run: NotebookRun, index: int) -> dict:
    """Run one cell as an instructor does (select it, Shift+Enter's "run" without moving on); its state after."""
    before = next(c["count"] for c in run.page.state(run.path)["cells"] if c["index"] == index)
    run.page.driver.execute_script(jl.PANEL_JS + """
        const panel = panelFor(arguments[0]);
        app.shell.activateById(panel.id);
        panel.content.activeCellIndex = arguments[1];
        app.commands.execute('notebook:run-cell');""", run.path, index)
    run.page.wait_for(lambda: next(c["count"] for c in run.page.state(run.path)["cells"] if c["index"] == index) != before,
                      RUN_TIMEOUT, f"{run.path}: cell {index} did not run")
    state = run.page.wait_until_done(run.path, RUN_TIMEOUT)
    return next(c for c in state["cells"] if c["index"] == index)


_SHOWN_JS = jl.PANEL_JS + """
const node = panelFor(arguments[0]).content.widgets[arguments[1]].node;
const image = node.querySelector('.jp-OutputArea-output img');
const heatmap = node.querySelector('.jp-OutputArea-output div.lessonkit-heatmap');
return {image: image ? image.getAttribute('src') : null,
        title: heatmap ? heatmap.firstElementChild.textContent : null,
        heatmap: heatmap ? heatmap.innerHTML : null,
        errors: [...node.querySelectorAll('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')]
                  .map(e => e.innerText.slice(0, 300))};
"""


def test_rerunning_the_hooks_cell_after_step_7_leaves_step_10_as_it_was(notebook):
    """The lecture's hooks cell once left its loop variable `layer = 29` behind: step 10 then drew layer 29."""
    if notebook.path != LECTURE:
        pytest.skip("the re-run scenario is the lecture's")
    page = notebook.page
    hooks_cell = _cell_index(notebook, "sites = lk.mlp_site_modules(model)")
    step_10 = _cell_index(notebook, "token_texts = lk.token_texts(batch, tokenizer)")
    step_10_html = _cell_index(notebook, "lk.token_heatmap(token_texts, values, vmin=low, vmax=high")
    before = {i: page.driver.execute_script(_SHOWN_JS, notebook.path, i) for i in (step_10, step_10_html)}
    assert before[step_10]["image"] and before[step_10_html]["heatmap"], f"step 10 shows no heatmap: {before}"
    assert "layer 18, neuron" in before[step_10_html]["title"], before[step_10_html]["title"]

    for index in (hooks_cell, step_10, step_10_html):  # after Run All, i.e. after step 7
        cell = _run_cell(notebook, index)
        assert not [o for o in cell["outputs"] if o["type"] == "error"], f"cell {index}: {cell['outputs']}"
    after = {i: page.driver.execute_script(_SHOWN_JS, notebook.path, i) for i in (step_10, step_10_html)}
    shot = page.screenshot_element(
        page.driver.execute_script(jl.PANEL_JS + "return panelFor(arguments[0]).content.widgets[arguments[1]].node;",
                                   notebook.path, step_10), SCREENSHOTS / "01_proper_noun_neurons-step-10-rerun.png")
    jl.REPORT.append(f"  {shot.name}: step 10 after re-running the hooks cell (after step 7)")
    assert after[step_10]["image"] == before[step_10]["image"], "step 10's matplotlib heatmap changed (another layer?)"
    assert after[step_10_html]["title"] == before[step_10_html]["title"]
    assert after[step_10_html]["heatmap"] == before[step_10_html]["heatmap"], "step 10's HTML heatmap changed"

    page.driver.execute_script(jl.PANEL_JS + """
        const panel = panelFor(arguments[0]); app.shell.activateById(panel.id);
        app.commands.execute('docmanager:save');""", notebook.path)  # a save: the lab fixture then finds no twin
    page.wait_for(lambda: page.driver.execute_script(
        jl.PANEL_JS + "return !panelFor(arguments[0]).context.model.dirty;", notebook.path), WIDGET_TIMEOUT,
        f"{notebook.path} was not saved")
# ------------------------------------------------------------------------------------------------ your own text

TYPED = "Ada Lovelace wrote to Charles Babbage from London about his Analytical Engine."

_TEXT_BOX_JS = """
const box = arguments[0].querySelector('.lessonkit-your-text');
if (!box) return null;
const view = box.querySelector('.lessonkit-your-text-view');
const heatmap = view ? view.querySelector('div.lessonkit-heatmap') : null;
return {box, input: box.querySelector('input'), status: box.querySelector('.lessonkit-your-text-status'), view,
        spans: heatmap ? [...heatmap.querySelectorAll('span[title]')].map(s => s.getAttribute('title')) : [],
        title: heatmap ? heatmap.firstElementChild.textContent : ''};
"""


def _typed_tokens(text: str) -> int:
    """How many tokens the offline model's tokenizer makes of ``text`` (counted here, not by the page)."""
    from transformers import AutoTokenizer

    from lessonkit._stand_ins import smollm2_folder
    from lessonkit.models import default_model_name

    if default_model_name() != "smollm2-135m":
        pytest.skip(f"the browser tests count SmolLM2's tokens; the default model here is {default_model_name()}")
    return len(AutoTokenizer.from_pretrained(smollm2_folder())(text, add_special_tokens=False)["input_ids"])


def test_a_typed_sentence_is_read_on_enter_and_follows_the_sliders(notebook):
    from selenium.webdriver.common.keys import Keys

    if "add_text_box" not in _full_source(notebook.path):
        pytest.skip(f"{notebook.path} has no text box")
    page, scope = notebook.page, notebook.page.notebook_node(notebook.path)
    box = page.driver.execute_script(_TEXT_BOX_JS, scope)
    assert box and box["input"] is not None and box["view"] is not None, f"{notebook.path}: no text box drawn as widgets"
    before = box["spans"]
    assert before, f"{notebook.path}: the text box shows no picture before anything is typed"
    expected = _typed_tokens(TYPED)
    page.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", box["input"])
    box["input"].click()
    box["input"].send_keys(Keys.CONTROL, "a")
    box["input"].send_keys(Keys.DELETE)
    box["input"].send_keys(TYPED + Keys.ENTER)

    def redrawn():
        now = page.driver.execute_script(_TEXT_BOX_JS, scope)
        return now if now["spans"] != before and len(now["spans"]) == expected else None

    try:
        after = page.wait_for(redrawn, WIDGET_TIMEOUT, "no new picture")
    except TimeoutError:
        now = page.driver.execute_script(_TEXT_BOX_JS, scope)
        pytest.fail(f"{notebook.path}: after typing and Enter the picture shows {len(now['spans'])} token spans "
                    f"(expected {expected}, {'changed' if now['spans'] != before else 'unchanged'}); "
                    f"status: {_text(notebook, now['status'])!r}")
    status = _text(notebook, after["status"])
    assert f"{expected} tokens" in status, f"{notebook.path}: the status line reads {status!r}"
    assert [int(re.match(r"#(\d+)", t).group(1)) for t in after["spans"]] == list(range(expected))
    time.sleep(0.3)
    shot = page.screenshot_element(after["box"], SCREENSHOTS / f"{Path(notebook.path).stem}-your-text.png")
    jl.REPORT.append(f"  {shot.name}: {notebook.path}, the text box after typing a sentence and Enter")

    parts = _parts(notebook, _explorer(notebook))  # a key on the explorer's neuron slider recolours the typed text
    neuron = re.search(r"neuron (\d+)", after["title"]).group(1)
    at_end = page.driver.execute_script(
        "const h = arguments[0]; return h.getAttribute('aria-valuenow') === h.getAttribute('aria-valuemax');", parts["handle"])
    page.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", parts["handle"])
    parts["handle"].send_keys(Keys.ARROW_LEFT if at_end else Keys.ARROW_RIGHT)
    moved = str(int(neuron) + (-1 if at_end else 1))
    page.wait_for(lambda: f"neuron {moved} " in page.driver.execute_script(_TEXT_BOX_JS, scope)["title"], WIDGET_TIMEOUT,
                  f"{notebook.path}: the typed text was not recoloured for neuron {moved} after the slider moved")
    final = page.driver.execute_script(_TEXT_BOX_JS, scope)
    assert len(final["spans"]) == expected and final["spans"] != after["spans"]
