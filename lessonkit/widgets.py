"""Widgets: a layer slider and a neuron slider over activations captured once, for a live class.

The lecture looks at one neuron at a time (layer 10, neuron 33; then the strongest of layer 18).
:class:`NeuronExplorer` lets an instructor walk through all of them in front of the class:

    explorer = lessonkit.NeuronExplorer.from_model(model, tokenizer, tokens)   # two forward passes
    explorer                                                                   # the widget

It is a thin view: every number and picture comes from a :class:`lessonkit.NeuronStats`
(``explorer.data``), which caches each layer's statistics, so a slider move redraws from memory in
milliseconds. Controls: layer, neuron (its maximum follows the layer), the layer's top neurons by
beta, AUROC or activation, site pre/post and training/held-out text (when captured), heatmap as
HTML or the lecture's matplotlib look, top contexts; and, given the model, a text box where anyone
types a sentence and sees the chosen neuron on it (``_your_text``). Only widgets that exist in
ipywidgets 7 and 8 are used (JupyterLab, Notebook, VS Code, Colab). The view sets widget values rather than using
``ipywidgets.interactive``: the neuron slider's maximum and the top-neuron list depend on the layer,
and an HTML widget's value can be checked without a browser.
"""

from __future__ import annotations

import base64
import html
import traceback
from contextlib import contextmanager
from typing import Any

from ._heatmap_draw import png_bytes
from .explorer import BATCHES, RANKING_NAMES, RANKINGS, NeuronStats

NO_CHOICE = -1  # the "top neurons" list's first entry: no neuron chosen


class NeuronExplorer:
    """Layer and neuron sliders over captured activations: heatmap + statistics of the chosen neuron.

    Takes a :class:`NeuronStats`, or what its constructor takes (``acts, token_texts, labels`` and
    ``heldout=, stats=, top_k=, seed=, alpha=, skip_first=``). backend: the first heatmap shown,
    "html" or "matplotlib". model, tokenizer: with both, a text box under the sliders reads your own
    text (:meth:`add_text_box`; ``rule`` tags it). Everything of ``NeuronStats`` (``stats``,
    ``top_neurons``, ``summary_line``, ``batches`` ...) is reachable from the explorer too. Display it
    as a cell's value; ``explorer.show(layer, neuron)`` moves the sliders from code; ``explorer.close()`` ends it.
    """

    def __init__(self, acts: Any, token_texts: Any = None, labels: Any = None, *, backend: str = "html",
                 model: Any = None, tokenizer: Any = None, rule: str = "lecture", **options: Any) -> None:
        self.data = acts if isinstance(acts, NeuronStats) else NeuronStats(acts, token_texts, labels, **options)
        if backend not in ("html", "matplotlib"):
            raise ValueError(f"backend must be 'html' or 'matplotlib', not {backend!r}.")
        self._quiet = False  # True while the explorer moves its own widgets: observers do nothing
        self._text_boxes: list = []  # at most one TextBox, following the sliders
        self._build(backend)
        self._render()
        if model is not None or tokenizer is not None:
            self.add_text_box(model, tokenizer, rule=rule, inside=True)

    @classmethod
    def from_model(cls, model: Any, tokenizer: Any, tokens: Any, *, backend: str = "html",
                   **options: Any) -> "NeuronExplorer":
        """:meth:`NeuronStats.from_model` (the lecture's two texts, captured once), behind sliders, with a
        text box for your own text."""
        return cls(NeuronStats.from_model(model, tokenizer, tokens, **options), backend=backend, model=model,
                   tokenizer=tokenizer, rule=options.get("rule", "lecture"))

    def __getattr__(self, name: str) -> Any:  # stats(), top_neurons(), batches ... of the statistics
        if name.startswith("_") or name == "data":
            raise AttributeError(name)
        return getattr(self.data, name)

    def show(self, layer: int, neuron: int, *, site: str | None = None, batch: str | None = None) -> None:
        """Move the widgets to ``layer`` and ``neuron`` (and site / text), and redraw once."""
        neuron = self.data.check_neuron(layer, neuron)
        site = self.data.check_site(site or self.site_buttons.value)
        if batch is not None and batch not in self.data.batches:
            raise ValueError(f"batch must be one of {list(self.data.batches)}, got {batch!r}.")
        with self._moving_widgets():
            self.site_buttons.value, self.batch_buttons.value = site, batch or self.batch_buttons.value
            self.layer_slider.value = layer
            self.neuron_slider.max = self.data.neurons[layer] - 1
            self.neuron_slider.value = neuron
            self._refresh_top_list()
        self._render()

    def add_text_box(self, model: Any, tokenizer: Any, *, rule: str = "lecture", inside: bool = False) -> Any:
        """A text box that follows these sliders: type a sentence, press Enter, and the chosen neuron colours
        it on the lecture text's colour scale (``_your_text.TextBox``; ``box.read(text)`` from code). It shows
        where it is displayed, or under the sliders with ``inside=True``. A second call replaces the first box."""
        from ._your_text import TextBox

        box = TextBox(self, model, tokenizer, rule=rule)  # bad arguments fail here, before the old box goes
        for old in self._text_boxes:
            self.widget.children = tuple(part for part in self.widget.children if part is not old.widget)
            old.close()
        self._text_boxes = [box]
        if inside:
            self.widget.children += (box.widget,)
        return box

    @property
    def text_box(self) -> Any:
        """The text box following these sliders (:meth:`add_text_box`), or None."""
        return self._text_boxes[0] if self._text_boxes else None

    @property
    def current(self) -> tuple[str, int, int]:
        """What is shown now: ``(site, layer, neuron)``."""
        return self.site_buttons.value, self.layer_slider.value, self.neuron_slider.value

    # ---------------------------------------------------------------- the widgets

    def _build(self, backend: str) -> None:
        import ipywidgets as widgets

        data, first = self.data, self.data.layers[0]
        # continuous_update=False: redraw when the slider is let go, not for every pixel of a drag
        slider = dict(continuous_update=False, style={"description_width": "60px"}, layout=widgets.Layout(width="420px"))
        self.layer_slider = widgets.IntSlider(value=first, min=first, max=data.layers[-1], description="layer", **slider)
        self.neuron_slider = widgets.IntSlider(value=0, min=0, max=data.neurons[first] - 1, description="neuron", **slider)
        rankings = RANKINGS if data.batches["train"].labels is not None else ("activation",)
        self.rank_by = widgets.Dropdown(options=[(RANKING_NAMES[r], r) for r in rankings], description="top by",
                                        layout=widgets.Layout(width="240px"), style={"description_width": "50px"})
        self.top_dropdown = widgets.Dropdown(options=[("top neurons ...", NO_CHOICE)], value=NO_CHOICE,
                                             layout=widgets.Layout(width="400px"))
        self.site_buttons = widgets.ToggleButtons(options=data.sites, description="site")
        self.batch_buttons = widgets.ToggleButtons(options=[(BATCHES[b], b) for b in data.batches], description="text")
        self.backend_buttons = widgets.ToggleButtons(options=["html", "matplotlib"], value=backend, description="heatmap")
        self.contexts_checkbox = widgets.Checkbox(value=False, description="top contexts", indent=False)
        self.summary, self.view, self.output = widgets.HTML(), widgets.HTML(), widgets.Output()
        self._controls = [self.layer_slider, self.neuron_slider, self.rank_by, self.top_dropdown, self.site_buttons,
                          self.batch_buttons, self.backend_buttons, self.contexts_checkbox]
        for control in self._controls:
            control.observe(self._on_change, names="value")  # once per widget; these widgets are ours alone
        rows = [widgets.HBox([self.rank_by, self.top_dropdown, self.contexts_checkbox])]
        rows += [self.site_buttons] if len(data.sites) > 1 else []
        rows += [self.batch_buttons] if len(data.batches) > 1 else []
        heatmap_area = widgets.VBox([self.output, self.view])
        self.widget = widgets.VBox([self.layer_slider, self.neuron_slider, *rows, self.backend_buttons, self.summary,
                                    heatmap_area])
        for part, name in ((self.widget, "explorer"), (self.summary, "summary"), (heatmap_area, "view")):
            part.add_class(f"lessonkit-{name}")  # for browser tests and custom CSS
        with self._moving_widgets():
            self._refresh_top_list()

    def _on_change(self, change: dict) -> None:
        """One observer for every control: update the dependent widgets, then redraw once."""
        if self._quiet:
            return
        owner = change["owner"]
        try:
            if owner is self.top_dropdown:
                if change["new"] != NO_CHOICE:
                    self.show(self.layer_slider.value, change["new"])
                return
            with self._moving_widgets():
                if owner is self.layer_slider:  # snap to a captured layer; the neuron maximum follows
                    layer = min(self.data.layers, key=lambda captured: abs(captured - self.layer_slider.value))
                    self.layer_slider.value = layer
                    self.neuron_slider.max = self.data.neurons[layer] - 1
                if owner in (self.layer_slider, self.site_buttons, self.rank_by):
                    self._refresh_top_list()
                if owner is self.neuron_slider:  # keep the list's entry only if it names this neuron
                    listed = [value for _, value in self.top_dropdown.options]
                    self.top_dropdown.value = change["new"] if change["new"] in listed else NO_CHOICE
            if owner is not self.rank_by:
                self._render()
        except Exception as error:  # an exception in a callback is lost in most front ends: show it
            self._show_error(error)

    @contextmanager
    def _moving_widgets(self):
        """Change widgets from code without their observers redrawing each time."""
        quiet, self._quiet = self._quiet, True
        try:
            yield
        finally:
            self._quiet = quiet

    def _refresh_top_list(self) -> None:
        site, layer, neuron = self.current
        labels = self.data.top_labels(layer, self.rank_by.value, site)
        self.top_dropdown.options = [(f"top {len(labels)} by {RANKING_NAMES[self.rank_by.value]} ...", NO_CHOICE)] + [
            (f"neuron {n}: {text}", n) for n, text in labels.items()]
        self.top_dropdown.value = neuron if neuron in labels else NO_CHOICE

    # ---------------------------------------------------------------- drawing

    def _render(self) -> None:
        """Redraw the summary and heatmap of the chosen neuron from memory (no forward pass)."""
        site, layer, neuron = self.current
        batch, backend = self.batch_buttons.value, self.backend_buttons.value
        heatmap = self.data.heatmap(layer, neuron, site=site, batch=batch, backend=backend)
        contexts = self.data.contexts(layer, neuron, site=site, batch=batch).html if self.contexts_checkbox.value else ""
        self.summary.value = self.data.summary_line(layer, neuron, site)
        if backend == "html":
            self.view.value = heatmap.html + contexts
            self.output.outputs = ()
        else:  # a PNG travels as base64 text; raw bytes reach the browser as "[object Object]"
            self.view.value = contexts
            png = base64.b64encode(png_bytes(heatmap)).decode("ascii")
            self.output.outputs = ({"output_type": "display_data", "metadata": {},
                                    "data": {"image/png": png, "text/plain": f"layer {layer}, neuron {neuron}"}},)
        for box in self._text_boxes:  # your own text, recoloured for this layer and neuron
            box.follow()

    def _show_error(self, error: Exception) -> None:
        self.summary.value = f'<div style="color:#b00"><b>{type(error).__name__}</b>: {html.escape(str(error))}</div>'
        self.output.append_stderr("".join(traceback.format_exception(type(error), error, error.__traceback__)))

    def close(self) -> None:
        """Close every widget of this explorer (they disappear from the notebook)."""
        for box in self._text_boxes:
            box.close()
        self.widget.close()
        for part in (*self._controls, self.summary, self.view, self.output, *self.widget.children):
            part.close()

    def _ipython_display_(self) -> None:  # display(explorer) and a cell's value, in ipywidgets 7 and 8
        from IPython.display import display

        display(self.widget)

    def __repr__(self) -> str:
        data = self.data
        texts = ", ".join(f"{len(b.tokens):,} {name} tokens" for name, b in data.batches.items())
        sizes = "/".join(map(str, sorted(set(data.neurons.values()))))
        return f"NeuronExplorer({len(data.layers)} layers x {sizes} neurons, sites {data.sites}, {texts}; showing {self.current})"
