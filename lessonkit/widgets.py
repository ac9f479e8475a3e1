"""Widgets: a layer slider and a neuron slider over activations captured once, for a live class.

The lecture looks at one neuron at a time (layer 10, neuron 33; then the strongest of layer 18).
:class:`NeuronExplorer` lets an instructor walk through all of them in front of the class:

    explorer = lessonkit.NeuronExplorer.from_model(model, tokenizer, tokens)   # two forward passes
    explorer                                                                   # the widget

Every slider move redraws from what is already in memory: the activations (captured once, here or by
:func:`lessonkit.capture_mlp`) and each layer's statistics (:func:`lessonkit.scan_layers`, computed
the first time a layer is shown, then cached). No forward pass runs inside a slider callback, so a
move takes milliseconds instead of seconds.

Controls: layer, neuron (its maximum follows the layer), "top neurons" of the layer by beta or AUROC,
site pre/post (when both were captured), text batch (training / held-out, when given), heatmap
backend (HTML, or the lecture's matplotlib look) and the neuron's top contexts. Display: a one-line
summary (beta, p, Bonferroni significance at .05 / neurons, AUROC in-sample and held-out) and the
token heatmap, proper nouns underlined. Only widgets that exist in ipywidgets 7 and 8 are used, so it
runs in JupyterLab, classic Notebook, VS Code and Colab.
"""

from __future__ import annotations

import base64
import html
import operator
import traceback
from collections.abc import Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._arrays import as_numpy
from ._heatmap_draw import png_bytes
from .heatmap import token_heatmap, top_contexts, value_range

SITES = ("pre", "post")
BATCHES = {"train": "training text", "heldout": "held-out text"}
RANKINGS = ("beta +", "beta -", "AUROC", "activation")  # how the "top neurons" list is ordered
NO_CHOICE = -1  # the "top neurons" list's first entry: no neuron chosen


@dataclass
class TextBatch:
    """One text: its activations ``{site: {layer: [n_tokens, neurons]}}``, token texts and 0/1 labels."""

    acts: dict[str, dict[int, np.ndarray]]
    tokens: list[str]
    labels: np.ndarray | None


class NeuronExplorer:
    """Layer and neuron sliders over captured activations: heatmap + statistics of the chosen neuron.

    acts: ``{layer: [n_tokens, neurons]}`` (what :func:`capture_mlp` returns), or
        ``{"pre": {...}, "post": {...}}`` when both sites were captured.
    token_texts: the decoded tokens, ``lessonkit.token_texts(ids, tokenizer)``.
    labels: 0/1 per token (1 = proper noun); without them there are no statistics, only heatmaps.
    heldout: the next text, ``(acts, token_texts)`` or ``(acts, token_texts, labels)``, with the same
        sites and layers: adds the "held-out" batch and the held-out AUROC.
    stats: precomputed :func:`scan_layers` tables (one table, or ``{site: table}``); missing layers
        are computed when first shown.
    top_k: how many neurons the "top neurons" list offers. seed, alpha: as in :func:`scan_layers`
        (pass the notebook's own seed, so the explorer fits the same sample as the notebook).
    skip_first: leave each text's first token out of the colour scale (default). The first position
        of a forward pass is an outlier in many neurons ("attention sink"); with it in the min-max
        scale, one token sets the colours of all the others. It is still drawn (clipped).

    Display it as a cell's value or with ``display(explorer)``; ``explorer.show(layer, neuron)``
    moves the sliders from code; ``explorer.close()`` removes the widgets.
    """

    def __init__(self, acts: Mapping, token_texts: Sequence[str], labels: Any = None, *, heldout: Any = None,
                 stats: Any = None, top_k: int = 10, seed: int | None = 42, alpha: float = 0.05,
                 backend: str = "html", skip_first: bool = True) -> None:
        self.batches = {"train": _text_batch(acts, token_texts, labels, "acts")}
        if heldout is not None:
            self.batches["heldout"] = _text_batch(*_unpack_heldout(heldout), "heldout")
        train = self.batches["train"].acts
        self.sites = [site for site in SITES if site in train]
        self.layers = sorted(train[self.sites[0]])
        self.neurons = {layer: train[self.sites[0]][layer].shape[1] for layer in self.layers}
        _check_same_shape(self.batches, self.sites, self.layers, self.neurons)
        if isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1:
            raise ValueError(f"top_k must be a positive number of neurons, got {top_k!r}.")
        self.top_k, self.seed, self.alpha, self.skip_first = top_k, seed, alpha, bool(skip_first)
        self._stats: dict[tuple[str, int], Any] = {}  # (site, layer) -> scan_layers table, filled lazily
        if stats is not None:
            self._add_stats(stats)
        self._quiet = False  # True while the explorer moves its own widgets: observers do nothing
        self._build_widgets(backend)
        self._render()

    # ------------------------------------------------------------------ the lecture in one call

    @classmethod
    def from_model(cls, model: Any, tokenizer: Any, tokens: Any, *, layers: Any = None,
                   sites: Sequence[str] = ("pre",), n_tokens: int = 1024, rule: str = "lecture",
                   dtype: Any = None, progress: bool = True, **options: Any) -> "NeuronExplorer":
        """The lecture's set-up: the first ``n_tokens`` of the stream for training, the next ones held out.

        Tags the stream with ``rule`` (the lecture's by default), captures the MLP neurons of ``layers``
        (None: all) at each of ``sites`` for both texts -- one forward pass per text and site, hooks
        removed afterwards -- and builds the explorer. ``options`` go to the constructor.
        Memory: layers x neurons x 2 x ``n_tokens`` x 4 bytes per site (gpt2-medium, all layers:
        about 800 MB); pick layers, or ``dtype=torch.float16`` to halve it.
        """
        import torch

        from .hooks import capture_mlp
        from .tagging import as_token_ids, tag_proper_nouns
        from .text import token_texts

        if isinstance(n_tokens, bool) or not isinstance(n_tokens, int) or n_tokens < 1:
            raise ValueError(f"n_tokens must be a positive number of tokens, got {n_tokens!r}.")
        bad = [site for site in sites if site not in SITES]
        if isinstance(sites, str) or bad or not sites:
            raise ValueError(f"sites must be a list drawn from {SITES}, e.g. ('pre', 'post'); got {sites!r}.")
        ids = as_token_ids(tokens)[: 2 * n_tokens]
        labels = tag_proper_nouns(ids, tokenizer, rule=rule)  # the whole stream at once, as the lecture
        texts = token_texts(ids, tokenizer)
        parts = {"train": slice(0, n_tokens), "heldout": slice(n_tokens, len(ids))}
        if len(ids) <= n_tokens:
            del parts["heldout"]

        def capture(part: slice) -> dict[str, Any]:
            stream = torch.as_tensor(ids[part])
            return {site: capture_mlp(model, stream, layers, site=site, dtype=dtype or torch.float32,
                                      progress=progress) for site in sites}

        batches = {name: (capture(part), texts[part], labels[part]) for name, part in parts.items()}
        return cls(*batches["train"], heldout=batches.get("heldout"), **options)

    # ------------------------------------------------------------------ statistics, cached per layer

    def stats(self, layer: int, site: str | None = None) -> Any:
        """The :func:`scan_layers` table of one layer (computed on first use, then cached)."""
        site = self._check_site(site)
        layer = self._check_layer(layer)
        if (site, layer) not in self._stats:
            from .regression import scan_layers

            train, heldout = self.batches["train"], self.batches.get("heldout")
            if train.labels is None:
                raise ValueError("This explorer has no labels: pass labels= (0/1 per token) for statistics.")
            held = None
            if heldout is not None and heldout.labels is not None:
                held = ({layer: heldout.acts[site][layer]}, heldout.labels)
            self._stats[site, layer] = scan_layers({layer: train.acts[site][layer]}, train.labels, heldout=held,
                                                   seed=self.seed, alpha=self.alpha)
        return self._stats[site, layer]

    def top_neurons(self, layer: int, by: str = "beta +", site: str | None = None) -> list[int]:
        """The layer's ``top_k`` neurons: largest beta ("beta +"), smallest ("beta -"), AUROC farthest
        from chance ("AUROC"), or largest activation on the training text ("activation")."""
        site = self._check_site(site)
        if by == "activation":
            strongest = np.nanmax(self.batches["train"].acts[site][self._check_layer(layer)], axis=0)
            return np.argsort(-strongest, kind="stable")[: self.top_k].tolist()
        if by not in RANKINGS:
            raise ValueError(f"by must be one of {RANKINGS}, got {by!r}.")
        table = self.stats(layer, site)
        if by == "AUROC":
            return (table["auroc"] - 0.5).abs().nlargest(self.top_k).index.tolist()
        pick = table["beta"].nlargest if by == "beta +" else table["beta"].nsmallest
        return pick(self.top_k).index.tolist()

    # ------------------------------------------------------------------ moving from code

    def show(self, layer: int, neuron: int, *, site: str | None = None, batch: str | None = None) -> None:
        """Move the widgets to ``layer`` and ``neuron`` (and site / text batch), and redraw once."""
        layer = self._check_layer(layer)
        neuron = _check_index(neuron, self.neurons[layer], f"neuron (layer {layer})")
        site = self._check_site(site)
        if batch is not None and batch not in self.batches:
            raise ValueError(f"batch must be one of {list(self.batches)}, got {batch!r}.")
        with self._moving_widgets():
            self.site_buttons.value = site
            self.batch_buttons.value = batch or self.batch_buttons.value
            self.layer_slider.value = layer
            self.neuron_slider.max = self.neurons[layer] - 1
            self.neuron_slider.value = neuron
            self._refresh_top_list()
        self._render()

    @property
    def current(self) -> tuple[str, int, int]:
        """What is shown now: ``(site, layer, neuron)``."""
        return self.site_buttons.value, self.layer_slider.value, self.neuron_slider.value

    # ------------------------------------------------------------------ the widgets

    def _build_widgets(self, backend: str) -> None:
        import ipywidgets as widgets

        if backend not in ("html", "matplotlib"):
            raise ValueError(f"backend must be 'html' or 'matplotlib', not {backend!r}.")
        first = self.layers[0]
        # continuous_update=False: redraw when the slider is let go, not for every pixel of a drag
        # (each redraw sends ~150 kB of HTML to the browser; Colab's connection is the slow part)
        slider = dict(continuous_update=False, style={"description_width": "60px"},
                      layout=widgets.Layout(width="420px"))
        self.layer_slider = widgets.IntSlider(value=first, min=first, max=self.layers[-1], description="layer", **slider)
        self.neuron_slider = widgets.IntSlider(value=0, min=0, max=self.neurons[first] - 1, description="neuron", **slider)
        has_labels = self.batches["train"].labels is not None
        self.rank_by = widgets.Dropdown(options=RANKINGS if has_labels else ("activation",), description="top by",
                                        layout=widgets.Layout(width="180px"), style={"description_width": "50px"})
        self.top_dropdown = widgets.Dropdown(options=[("top neurons ...", NO_CHOICE)], value=NO_CHOICE,
                                             layout=widgets.Layout(width="300px"))
        self.site_buttons = widgets.ToggleButtons(options=self.sites, description="site")
        self.batch_buttons = widgets.ToggleButtons(options=[(BATCHES[b], b) for b in self.batches], description="text")
        self.backend_buttons = widgets.ToggleButtons(options=["html", "matplotlib"], value=backend, description="heatmap")
        self.contexts_checkbox = widgets.Checkbox(value=False, description="top contexts", indent=False)
        self.summary = widgets.HTML()  # one line of statistics
        self.view = widgets.HTML()  # the HTML heatmap and the top contexts
        self.output = widgets.Output()  # matplotlib figures, and errors raised inside callbacks

        controls = [self.layer_slider, self.neuron_slider, self.rank_by, self.top_dropdown, self.site_buttons,
                    self.batch_buttons, self.backend_buttons, self.contexts_checkbox]
        for control in controls:
            control.observe(self._on_change, names="value")  # once per widget; these widgets are ours alone
        options = [widgets.HBox([self.rank_by, self.top_dropdown, self.contexts_checkbox])]
        options += [self.site_buttons] if len(self.sites) > 1 else []
        options += [self.batch_buttons] if len(self.batches) > 1 else []
        heatmap_area = widgets.VBox([self.output, self.view])
        self.widget = widgets.VBox([self.layer_slider, self.neuron_slider, *options, self.backend_buttons,
                                    self.summary, heatmap_area])
        for part, name in ((self.widget, "explorer"), (self.summary, "summary"), (heatmap_area, "view")):
            part.add_class(f"lessonkit-{name}")  # for browser tests and custom CSS
        self._controls = controls
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
                if owner is self.layer_slider:
                    self._follow_layer()
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

    def _follow_layer(self) -> None:
        """Snap to the nearest captured layer; the neuron slider's maximum follows the layer's size."""
        layer = min(self.layers, key=lambda captured: abs(captured - self.layer_slider.value))
        self.layer_slider.value = layer
        self.neuron_slider.max = self.neurons[layer] - 1  # clamps the value if it was larger

    def _refresh_top_list(self) -> None:
        layer, neuron = self.layer_slider.value, self.neuron_slider.value
        if self.rank_by.value == "activation":
            column = np.nanmax(self.batches["train"].acts[self.site_buttons.value][layer], axis=0)
            label = {n: f"max activation {column[n]:.3g}" for n in self.top_neurons(layer, "activation")}
        else:
            table = self.stats(layer)
            label = {n: f"beta {table['beta'][n]:+.3g}, AUROC {table['auroc'][n]:.3f}"
                     for n in self.top_neurons(layer, self.rank_by.value)}
        options = [(f"top {len(label)} by {self.rank_by.value} ...", NO_CHOICE)]
        options += [(f"neuron {n}: {text}", n) for n, text in label.items()]
        self.top_dropdown.options = options
        self.top_dropdown.value = neuron if neuron in label else NO_CHOICE

    # ------------------------------------------------------------------ drawing

    def _render(self) -> None:
        """Redraw the summary and heatmap of the chosen neuron from memory (no forward pass)."""
        site, layer, neuron = self.current
        batch = self.batches[self.batch_buttons.value]
        values = batch.acts[site][layer][:, neuron]
        # one colour scale for both texts, so training and held-out heatmaps can be compared
        first = 1 if self.skip_first else 0
        vmin, vmax = value_range(*(other.acts[site][layer][first:, neuron] for other in self.batches.values()))
        title = f"layer {layer}, neuron {neuron} ({site}) on the {BATCHES[self.batch_buttons.value]}"
        if batch.labels is not None:
            title += " -- proper nouns (the tagger's) underlined"
        heatmap = token_heatmap(batch.tokens, values, backend=self.backend_buttons.value, vmin=vmin, vmax=vmax,
                                highlight=batch.labels, title=title)
        contexts = ""
        if self.contexts_checkbox.value:
            contexts = top_contexts(batch.acts[site][layer], batch.tokens, neuron, k=10).html
        self.summary.value = self.summary_line(layer, neuron, site)
        if self.backend_buttons.value == "html":
            self.view.value = heatmap.html + contexts
            if self.output.outputs:
                self.output.outputs = ()
        else:
            self.view.value = contexts
            # A display_data message carries a PNG as base64 text; raw bytes reach the browser as
            # "[object Object]", a broken image. Setting outputs works without a kernel (ipywidgets 7 and 8).
            png = base64.b64encode(png_bytes(heatmap)).decode("ascii")
            self.output.outputs = ({"output_type": "display_data", "metadata": {},
                                    "data": {"image/png": png, "text/plain": title}},)

    def summary_line(self, layer: int, neuron: int, site: str | None = None) -> str:
        """One line of HTML: layer, neuron, beta, p, Bonferroni significance, AUROC (training, held-out)."""
        site = self._check_site(site)
        head = f"<b>layer {layer}, neuron {neuron}</b> ({site})"
        if self.batches["train"].labels is None:
            return f"<div>{head} · no labels given, so no statistics (pass labels=0/1 per token)</div>"
        row = self.stats(layer, site).iloc[neuron]
        n_neurons = self.neurons[layer]
        verdict = "significant" if row["significant"] else "not significant"
        p_value = f"p = {row['pvalue']:.3g}" if np.isfinite(row["pvalue"]) else "p = n/a (separated or constant: no test)"
        parts = [head, f"beta = {row['beta']:+.4g}", p_value,
                 f"{verdict} at p &lt; .05/{n_neurons:,} (Bonferroni)", f"AUROC {row['auroc']:.3f} (training)"]
        if "heldout_auroc" in row:
            parts.append(f"{row['heldout_auroc']:.3f} (held-out)")
        return "<div>" + " · ".join(parts) + " · chance 0.5</div>"

    def _show_error(self, error: Exception) -> None:
        self.summary.value = (f'<div style="color:#b00"><b>{type(error).__name__}</b>: '
                              f"{html.escape(str(error))}</div>")
        self.output.append_stderr("".join(traceback.format_exception(type(error), error, error.__traceback__)))

    # ------------------------------------------------------------------ checks and plumbing

    def _check_site(self, site: str | None) -> str:
        """``site``, or the one shown now when None."""
        if site is None:
            return self.site_buttons.value
        if site not in self.sites:
            raise ValueError(f"site must be one of {self.sites} (the sites captured), got {site!r}.")
        return site

    def _check_layer(self, layer: Any) -> int:
        layer = _check_index(layer, None, "layer")
        if layer not in self.neurons:
            raise ValueError(f"layer {layer} was not captured; this explorer has layers {self.layers}.")
        return layer

    def _add_stats(self, stats: Any) -> None:
        tables = stats if isinstance(stats, Mapping) else {None: stats}
        for site, table in tables.items():
            if site is None and len(self.sites) > 1:
                raise ValueError(f"Two sites were captured: pass stats as {{site: table}} for {self.sites}.")
            site = site or self.sites[0]
            if site not in self.sites or not hasattr(table, "groupby") or "layer" not in table:
                raise ValueError(f"stats must be scan_layers() tables, as one table or {{site: table}} for {self.sites}.")
            for layer, rows in table.groupby("layer"):
                if layer in self.neurons and len(rows) != self.neurons[layer]:
                    raise ValueError(f"stats has {len(rows)} rows for layer {layer}, which has {self.neurons[layer]} neurons.")
                self._stats[site, int(layer)] = rows.reset_index(drop=True)

    def close(self) -> None:
        """Close every widget of this explorer (they disappear from the notebook)."""
        self.widget.close()
        for part in (*self._controls, self.summary, self.view, self.output, *self.widget.children):
            part.close()

    def _ipython_display_(self) -> None:  # display(explorer) and a cell's value, in ipywidgets 7 and 8
        from IPython.display import display

        display(self.widget)

    def __repr__(self) -> str:
        n_tokens = ", ".join(f"{len(b.tokens):,} {name} tokens" for name, b in self.batches.items())
        sizes = sorted(set(self.neurons.values()))
        return (f"NeuronExplorer({len(self.layers)} layers x {'/'.join(map(str, sizes))} neurons, "
                f"sites {self.sites}, {n_tokens}; showing {self.current})")


# ---------------------------------------------------------------------- input checks


def _check_index(value: Any, size: int | None, name: str) -> int:
    if isinstance(value, bool) or not hasattr(value, "__index__"):
        raise TypeError(f"{name} must be an integer, got {value!r}.")
    index = operator.index(value)
    if size is not None and not 0 <= index < size:
        raise ValueError(f"{name} must lie in 0..{size - 1}, got {index}.")
    return index


def _unpack_heldout(heldout: Any) -> tuple[Any, Any, Any]:
    if isinstance(heldout, TextBatch):
        return heldout.acts, heldout.tokens, heldout.labels
    if not isinstance(heldout, (tuple, list)) or len(heldout) not in (2, 3):
        raise TypeError("heldout must be (acts, token_texts) or (acts, token_texts, labels) of the next text.")
    return (*heldout, None) if len(heldout) == 2 else tuple(heldout)


def _text_batch(acts: Any, token_texts: Any, labels: Any, name: str) -> TextBatch:
    by_site = _as_sites(acts, name)
    if isinstance(token_texts, str) or not all(isinstance(t, str) for t in token_texts):
        raise TypeError(f"the token texts of {name} must be a list of strings: lessonkit.token_texts(ids, tokenizer).")
    tokens = list(token_texts)
    for site, layers in by_site.items():
        for layer, matrix in layers.items():
            if matrix.shape[0] != len(tokens):
                raise ValueError(f"{name}[{site!r}][{layer}] has {matrix.shape[0]} rows but there are {len(tokens)} "
                                 "token texts: pass one text per row.")
    if labels is not None:
        labels = np.asarray(labels.detach().cpu() if hasattr(labels, "detach") else labels)
        if labels.shape != (len(tokens),) or not np.isin(labels, (0, 1)).all():
            raise ValueError(f"the labels of {name} must be 0/1, one per token ({len(tokens)}), got shape {labels.shape}.")
        labels = labels.astype(np.int8)
    return TextBatch(by_site, tokens, labels)


def _as_sites(acts: Any, name: str) -> dict[str, dict[int, np.ndarray]]:
    """``{site: {layer: [n, neurons] numpy array}}`` from ``{layer: ...}`` or ``{site: {layer: ...}}``."""
    if not isinstance(acts, Mapping) or not acts:
        raise TypeError(f"{name} must be a non-empty dict {{layer: [n_tokens, neurons]}} (what capture_mlp returns) "
                        "or {'pre': {...}, 'post': {...}}.")
    if all(isinstance(key, str) for key in acts):
        unknown = [key for key in acts if key not in SITES or not isinstance(acts[key], Mapping)]
        if unknown:
            raise ValueError(f"{name} has keys {unknown}: use sites 'pre'/'post', each a dict {{layer: activations}}.")
        nested = dict(acts)
    else:
        nested = {getattr(acts, "site", "pre"): acts}  # capture_mlp's result knows its site
    result = {}
    for site, layers in nested.items():
        result[site] = {_check_index(layer, None, f"a layer of {name}"): _as_matrix(value, f"{name}[{layer!r}]")
                        for layer, value in layers.items()}
        if not result[site]:
            raise ValueError(f"{name}[{site!r}] holds no layer.")
    if len({tuple(sorted(layers)) for layers in result.values()}) > 1:
        raise ValueError(f"the sites of {name} must hold the same layers.")
    return result


def _as_matrix(value: Any, name: str) -> np.ndarray:
    matrix = as_numpy(value, name)
    if matrix.ndim == 3 and matrix.shape[0] == 1:  # a batch of one sequence, as record_mlp keeps it
        matrix = matrix[0]
    if matrix.ndim != 2 or not np.issubdtype(matrix.dtype, np.number):
        raise ValueError(f"{name} must be numbers of shape [n_tokens, neurons], got {matrix.dtype} {matrix.shape}.")
    return matrix


def _check_same_shape(batches: dict[str, TextBatch], sites: list[str], layers: list[int], neurons: dict[int, int]) -> None:
    for name, batch in batches.items():
        if set(batch.acts) != set(sites) or any(sorted(batch.acts[site]) != layers for site in sites):
            raise ValueError(f"the {name} text must have the same sites {sites} and layers {layers} as the training text.")
        for site in sites:
            for layer in layers:
                if batch.acts[site][layer].shape[1] != neurons[layer]:
                    raise ValueError(f"{name}[{site!r}][{layer}] has {batch.acts[site][layer].shape[1]} neurons, "
                                     f"expected {neurons[layer]} (the training text's).")
