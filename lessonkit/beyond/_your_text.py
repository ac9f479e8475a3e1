"""Your own text in the neuron explorer: type a sentence, press Enter, and see the chosen neuron on it.

In class, students ask "what about *my* sentence?". :class:`TextBox` answers beside the explorer's
sliders: the model reads the text -- only up to the chosen layer, in a forward pass that stops right
after it -- and the explorer's neuron colours each token on the colour scale of the lecture's text
(the lecture's Reds, squared), so "dark" means what it meant there. The tagger's proper nouns are
underlined, and their values stand beside the neuron's range on the lecture's text. Moving a slider
recolours the text: a new neuron from memory, a new layer with one more short pass.

:class:`TextReader` is the part without widgets: a text's tokens, tags, and one layer's neurons.
``NeuronExplorer.add_text_box(model, tokenizer)`` makes the box (``widgets.py``).
"""

from __future__ import annotations

import html
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

KEPT_LAYERS = 8  # layers of one text kept in memory (a pasted book must not keep all 30)
SHOWN_NAMES = 12  # proper nouns listed by name under the picture


@dataclass
class ReadText:
    """A text as the model reads it: token ids (cut to what fits), their texts, the tagger's 0/1 labels."""

    text: str
    ids: list[int]
    tokens: list[str]
    labels: np.ndarray
    typed: int  # tokens in the text as typed, before cutting it to the model's context


class TextReader:
    """Reads one text at a time: tokenizes and tags it, then gives any layer's neurons on it,
    running the model only up to that layer (each layer once per text)."""

    def __init__(self, model: Any, tokenizer: Any, *, rule: str = "lecture", max_tokens: int | None = None) -> None:
        from .._machinery.mlp_sites import LECTURE_PASS, context_length, mlp_site_modules
        from ..tagging import RULES

        mlp_site_modules(model, 0)  # a model lessonkit cannot hook fails here, not at the first Enter
        if not callable(tokenizer):
            raise TypeError("tokenizer must be the model's tokenizer (lessonkit.load_model returns both).")
        if rule not in RULES:
            raise ValueError(f"Unknown rule {rule!r}: choose one of {RULES}.")
        self.model, self.tokenizer, self.rule = model, tokenizer, rule
        self.max_tokens = max_tokens or context_length(model) or LECTURE_PASS
        self.current: ReadText | None = None
        self.passes, self.pass_seconds = 0, 0.0  # forward passes run so far; the latest one's time
        self._neurons: dict[tuple[str, int], np.ndarray] = {}

    def read(self, text: str) -> ReadText:
        """Tokenize (as the lecture's text: no special tokens) and tag ``text``; the model runs later."""
        from ..tagging import tag_proper_nouns
        from ..text import token_texts

        if not isinstance(text, str):
            raise TypeError(f"the text must be a string, got {type(text).__name__}.")
        if not text.strip():
            raise ValueError("The text is empty: type a sentence, then press Enter.")
        ids = list(self.tokenizer(text, add_special_tokens=False)["input_ids"])
        kept = ids[: self.max_tokens]
        read = ReadText(text, kept, token_texts(kept, self.tokenizer),
                        np.asarray(tag_proper_nouns(kept, self.tokenizer, rule=self.rule)), len(ids))
        self.current, self._neurons = read, {}
        return read

    def neurons(self, layer: int, site: str = "pre") -> np.ndarray:
        """``[tokens, neurons]`` of ``layer`` on the text read last; the pass stops right after that layer."""
        import torch

        from .._machinery.mlp_sites import model_device, stop_after
        from ..hooks import record_mlp

        if self.current is None:
            raise ValueError("No text read yet: type a sentence and press Enter.")
        if (site, layer) not in self._neurons:
            started = time.perf_counter()
            recorder = record_mlp(self.model, layers=layer, site=site, device="cpu")  # numpy reads them next
            ids = torch.tensor([self.current.ids], device=model_device(self.model))
            with recorder as acts, stop_after(recorder.sites[layer]), torch.inference_mode():
                self.model(input_ids=ids, use_cache=False)
            if len(self._neurons) >= KEPT_LAYERS:
                self._neurons.pop(next(iter(self._neurons)))
            self._neurons[site, layer] = acts[layer].numpy()
            self.passes, self.pass_seconds = self.passes + 1, time.perf_counter() - started
        return self._neurons[site, layer]


# ---------------------------------------------------------------- the picture, on the lecture's scale


def picture(stats: Any, read: ReadText, values: np.ndarray, layer: int, neuron: int, site: str) -> str:
    """The typed text's heatmap (HTML, hover values) on the lecture text's colour scale, and a few lines
    that set its proper nouns' values beside the neuron's range on the lecture's text."""
    from ..heatmap import token_heatmap, value_range

    lecture, lecture_labels = stats.neuron_values(layer, neuron, site)
    vmin, vmax = value_range(lecture)  # the explorer's own scale for this neuron
    title = f"your text: layer {layer}, neuron {neuron} ({site}) -- proper nouns (the tagger's) underlined"
    heatmap = token_heatmap(read.tokens, values, vmin=vmin, vmax=vmax, highlight=read.labels.astype(bool), title=title)
    return heatmap.html + describe(read, values, lecture, lecture_labels, (vmin, vmax), stats.skip_first)


def describe(read: ReadText, values: np.ndarray, lecture: np.ndarray, lecture_labels: np.ndarray | None,
             scale: tuple[float, float], skip_first: bool) -> str:
    """The lines under the picture: the lecture's range, the proper nouns' values, what lies outside it."""
    vmin, vmax = scale
    finite = lecture[np.isfinite(lecture)]
    where = f"{finite.size:,} tokens of the lecture's text" + (" (each text's first token left out)" if skip_first else "")
    lines = [f"Colour scale: the neuron's range on {where}, {vmin:.3g} (palest) to {vmax:.3g} (darkest)."]
    if lecture_labels is not None:
        named, other = lecture[(lecture_labels == 1) & np.isfinite(lecture)], lecture[(lecture_labels == 0) & np.isfinite(lecture)]
        if named.size and other.size:
            lines.append(f"On the lecture's text its median is {np.median(named):.3g} on the tagged proper nouns "
                         f"and {np.median(other):.3g} on the other tokens.")
    tagged = np.flatnonzero(read.labels)
    if tagged.size:
        shown = [f"{html.escape(repr(read.tokens[i]))} {values[i]:.3g} ({_rank(np.mean(finite < values[i]))})"
                 for i in tagged[:SHOWN_NAMES]]
        more = f" ... and {tagged.size - SHOWN_NAMES} more" if tagged.size > SHOWN_NAMES else ""
        lines.append(f"Your text's proper nouns, as the tagger sees them ({tagged.size}): " + " · ".join(shown) + more + ".")
    else:
        lines.append("The tagger calls no token of your text a proper noun.")
    outside = np.flatnonzero((values < vmin) | (values > vmax))
    if outside.size:
        first = (" (your first token is position 0 of a forward pass, where many neurons are outliers)"
                 if outside[0] == 0 else "")
        lines.append(f"{outside.size} of your tokens lie outside that range and are drawn at its ends{first}.")
    items = "".join(f"<li>{line}</li>" for line in lines)
    return f'<ul class="lessonkit-your-text-numbers" style="margin:4px 0;font-size:90%">{items}</ul>'


def _rank(share_below: float) -> str:
    """Where a value stands among the lecture's tokens, rounded down: 99.96% is "above 99%", not 100%."""
    if share_below == 1:
        return "above every one of the lecture's tokens"
    if share_below == 0:
        return "at or below the lowest of the lecture's tokens"
    return f"above {int(share_below * 100)}% of the lecture's tokens"


# ---------------------------------------------------------------- the widget


class TextBox:
    """A text box that follows a :class:`NeuronExplorer`'s sliders: on Enter, the chosen neuron on your text.

    ``box.read(text)`` does from code what typing and Enter do. ``box.seconds``: Enter to picture, last
    time; ``box.reader.current``: the text as read (ids, token texts, tags). Bad input gets one line
    under the box and the picture stays as it was.
    """

    def __init__(self, explorer: Any, model: Any, tokenizer: Any, *, rule: str = "lecture",
                 max_tokens: int | None = None) -> None:
        import ipywidgets as widgets

        from ..models import mlp_shape

        self.explorer = explorer
        self.reader = TextReader(model, tokenizer, rule=rule, max_tokens=max_tokens)
        self._n_layers = mlp_shape(model)[0]
        self.seconds: float | None = None
        self._quiet = False  # True while read() sets the box's value from code
        # continuous_update=False: the value reaches the kernel on Enter (or when the box loses focus)
        self.text = widgets.Text(value="", placeholder="Type a sentence (or paste a paragraph) and press Enter",
                                 description="your text", continuous_update=False,
                                 style={"description_width": "70px"}, layout=widgets.Layout(width="90%"))
        self.status = widgets.HTML(value=self._line("Type a sentence and press Enter: the model reads it up to the "
                                                    "chosen layer, and the neuron colours each token.", "#555"))
        self.view = widgets.HTML()
        self.text.observe(self._on_enter, names="value")
        self.widget = widgets.VBox([self.text, self.status, self.view])
        for part, name in ((self.widget, "your-text"), (self.status, "your-text-status"), (self.view, "your-text-view")):
            part.add_class(f"lessonkit-{name}")  # for browser tests and custom CSS

    def read(self, text: str) -> None:
        """Read ``text`` as if it were typed and Enter pressed; bad input raises ValueError (one line)."""
        self._quiet = True
        try:
            self.text.value = text
        finally:
            self._quiet = False
        try:
            self._draw(text)
        except Exception as error:
            self._say(error)
            raise

    def follow(self) -> None:
        """Recolour the text read last for the explorer's layer, neuron and site (the explorer calls it)."""
        if self.reader.current is None:
            return
        try:
            self._recolour(time.perf_counter())
        except Exception as error:  # an exception in a callback is lost in most front ends: show it
            self._say(error)

    def _on_enter(self, change: dict) -> None:
        if self._quiet:
            return
        try:
            self._draw(change["new"])
        except Exception as error:
            self._say(error)

    def _draw(self, text: str) -> None:
        started = time.perf_counter()
        self.reader.read(text)
        self._recolour(started)

    def _recolour(self, started: float) -> None:
        site, layer, neuron = self.explorer.current
        read, passes = self.reader.current, self.reader.passes
        values = self.reader.neurons(layer, site)[:, neuron]
        self.view.value = picture(self.explorer.data, read, values, layer, neuron, site)
        self.seconds = time.perf_counter() - started
        ran = (f"the model ran layers 0-{layer} of {self._n_layers} (stopping there) in {self.reader.pass_seconds * 1000:.0f} ms"
               if self.reader.passes != passes else "no forward pass (this layer was read already)")
        line = f"{len(read.ids):,} tokens · {int(read.labels.sum())} tagged as proper nouns ({self.reader.rule} rule) · {ran}"
        if read.typed > len(read.ids):
            line += (f" · your text has {read.typed:,} tokens; this model reads at most {len(read.ids):,} at once, "
                     f"so the first {len(read.ids):,} are shown")
        self.status.value = self._line(line + f" · {self.seconds * 1000:.0f} ms to the picture", "#333")

    def _say(self, error: Exception) -> None:
        self.status.value = self._line(f"\u2718 {type(error).__name__}: {error}" if not isinstance(error, ValueError)
                                       else f"\u2718 {error}", "#b00020")

    @staticmethod
    def _line(text: str, colour: str) -> str:
        return f'<div style="color:{colour}">{html.escape(text)}</div>'

    def close(self) -> None:
        self.text.unobserve(self._on_enter, names="value")
        for part in (self.text, self.status, self.view, self.widget):
            part.close()

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)

    def __repr__(self) -> str:
        read = self.reader.current
        shown = f"{len(read.ids)} tokens read" if read is not None else "nothing read yet"
        return f"TextBox(following {self.explorer.current}; {shown})"

