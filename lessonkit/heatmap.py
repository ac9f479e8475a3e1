"""Heatmap: every token of the text on a background coloured by one neuron's activation.

The lecture's recipe, step by step (``token_heatmap(..., backend="matplotlib")`` draws exactly this):

1. **scale**: ``a = (v - min) / (max - min)``, with min and max taken over the whole 1,024-token
   batch -- even when only its first 512 tokens are drawn (pass ``vmin, vmax = value_range(batch)``);
2. **colour**: matplotlib's ``Reds`` colour map at ``a ** 2`` (squaring keeps weak activations pale),
   on a rounded box with alpha .8;
3. **grid**: 12-pt monospace text, **20 tokens a line**, each token as wide as its characters, a
   small gap between tokens.

``backend="html"`` (the default, beyond the lecture) uses the same colours, wraps like text, and
shows each token's index and exact value when the mouse hovers over it (no JavaScript, no network).
Newlines show as "↵", tabs as "→". The fast drawing and the HTML live in ``_machinery/heatmap_draw.py``
and ``heatmap_html.py``; this module is the recipe.
"""

from __future__ import annotations

import unicodedata
from typing import Any, Sequence

import matplotlib as mpl
import numpy as np

from ._machinery import heatmap_draw as _heatmap_draw, heatmap_html as _heatmap_html
from ._machinery.arrays import as_numpy
from ._machinery.heatmap_html import HTMLSnippet

LECTURE_CMAP = "Reds"  # the lecture's colour map ...
BOX_ALPHA = 0.8  # ... on boxes with this alpha
TOKENS_PER_LINE = 20
FONT_SIZE = 12.0
NEWLINE_MARK, TAB_MARK, MISSING_MARK = "\u21b5", "\u2192", "\ufffd"  # ↵ → �
NAN_COLOUR = (0.82, 0.82, 0.82, 1.0)

__all__ = ["token_heatmap", "value_range", "min_max_scale", "token_colours", "lecture_layout", "top_contexts",
           "HTMLSnippet", "LECTURE_CMAP", "BOX_ALPHA", "TOKENS_PER_LINE"]


# ---------------------------------------------------------------- 1. scale


def value_range(*value_arrays: Any) -> tuple[float, float]:
    """``(vmin, vmax)`` over one or more texts' values, ignoring NaN.

    The lecture's scale: ``value_range(acts[:, neuron])`` over the whole batch. To compare two texts
    on one scale: ``value_range(train_values, heldout_values)``. To leave the first position out of
    the scale (its activations are outliers, see the lecture notebook): ``value_range(values[1:])``.
    """
    finite = [v[np.isfinite(v)] for v in (_as_1d_floats(a, "values") for a in value_arrays)]
    finite = [v for v in finite if v.size]
    if not finite:
        raise ValueError("value_range needs at least one finite value.")
    return float(min(v.min() for v in finite)), float(max(v.max() for v in finite))


def min_max_scale(values: Any, vmin: float | None = None, vmax: float | None = None) -> np.ndarray:
    """The lecture's ``(v - min) / (max - min)`` in [0, 1]; values outside ``vmin..vmax`` are clipped.

    NaN stays NaN; when all values are equal there is nothing to show and every token gets 0.
    """
    v = _as_1d_floats(values, "values")
    finite = v[np.isfinite(v)]
    lo = float(vmin) if vmin is not None else (float(finite.min()) if finite.size else 0.0)
    hi = float(vmax) if vmax is not None else (float(finite.max()) if finite.size else 0.0)
    if lo > hi:
        raise ValueError(f"vmin ({lo}) must not be larger than vmax ({hi}).")
    if hi == lo:
        return np.where(np.isnan(v), np.nan, 0.0)
    return np.clip((v - lo) / (hi - lo), 0.0, 1.0)


# ---------------------------------------------------------------- 2. colour


def token_colours(values: Any, *, vmin: float | None = None, vmax: float | None = None,
                  cmap: str = LECTURE_CMAP, squared: bool = True) -> np.ndarray:
    """One RGBA colour per value: ``cmap(a ** 2)`` with the box alpha, as the lecture draws it (NaN: grey)."""
    a = min_max_scale(values, vmin, vmax)
    colour_map = _colour_map(cmap)
    rgba = np.asarray(colour_map(np.nan_to_num(a**2 if squared else a)), dtype=float).reshape(-1, 4)
    rgba[:, 3] = BOX_ALPHA
    rgba[np.isnan(a)] = NAN_COLOUR
    return rgba


# ---------------------------------------------------------------- 3. grid


def lecture_layout(texts: Sequence[str], cell: float, gap: float,
                   tokens_per_line: int = TOKENS_PER_LINE) -> list[tuple[int, float]]:
    """Where the lecture puts each token: ``(line, x)`` of its left edge, x in points.

    The lecture's loop: each token is ``cell`` points per character wide, a ``gap`` follows it,
    and after ``tokens_per_line`` tokens a new line starts at x = 0.
    """
    placed, x = [], 0.0
    for i, text in enumerate(texts):
        if i % tokens_per_line == 0:
            x = 0.0
        placed.append((i // tokens_per_line, x))
        x += len(text) * cell + gap
    return placed


def display_text(token: str) -> str:
    """A token as drawn: newline -> "↵", tab -> "→", and a character the monospace font cannot show
    in one cell -> "�", so that one character is always one cell of the grid."""
    shown = []
    for char in token:
        if char == "\n":
            shown.append(NEWLINE_MARK)
        elif char == "\t":
            shown.append(TAB_MARK)
        elif (char.isprintable() and not unicodedata.combining(char) and unicodedata.east_asian_width(char) not in "WF"
              and _heatmap_draw.font_has(char)):
            shown.append(char)
        else:
            shown.append(MISSING_MARK)
    return "".join(shown)


# ---------------------------------------------------------------- the public function


def token_heatmap(token_texts: Sequence[str], values: Any, *, backend: str = "html", vmin: float | None = None,
                  vmax: float | None = None, cmap: str = LECTURE_CMAP, squared: bool = True, highlight: Any = None,
                  title: str | None = None, tokens_per_line: int = TOKENS_PER_LINE,
                  fontsize: float = FONT_SIZE) -> Any:
    """Show ``token_texts`` with each token on a background coloured by its value.

    token_texts: decoded tokens (``lessonkit.token_texts(ids, tokenizer)``). values: one number per
    token, e.g. ``acts[18][:512, neuron]`` (NaN is drawn grey). vmin, vmax: the range of the min-max
    scale; default: these values' own range. backend: ``"matplotlib"`` (the lecture's look: 20 tokens
    a line, 12-pt monospace) or ``"html"`` (hover a token for its index and value). cmap, squared:
    the colour map and the squaring of the scaled value (the lecture: ``"Reds"``, True). highlight:
    one boolean per token (e.g. the proper-noun tags), those tokens framed (matplotlib) or
    underlined (HTML). Returns a matplotlib Figure or an :class:`HTMLSnippet`.
    """
    tokens = _check_tokens(token_texts)
    raw = _as_1d_floats(values, "values")
    if raw.shape[0] != len(tokens):
        raise ValueError(f"values has {raw.shape[0]} entries but there are {len(tokens)} tokens: "
                         "pass one value per token (e.g. acts[18][:len(tokens), neuron]).")
    if isinstance(tokens_per_line, bool) or not isinstance(tokens_per_line, int) or tokens_per_line < 1:
        raise ValueError(f"tokens_per_line must be a positive integer, got {tokens_per_line!r}.")
    marked = _check_highlight(highlight, len(tokens))
    colours = token_colours(raw, vmin=vmin, vmax=vmax, cmap=cmap, squared=squared)
    caption = _caption(raw, vmin, vmax, cmap, squared)
    shown = [display_text(t) for t in tokens]
    if backend == "matplotlib":
        cell = _heatmap_draw.cell_width(fontsize)
        places = lecture_layout(shown, cell, _heatmap_draw.GAP, tokens_per_line)
        return _heatmap_draw.draw_heatmap(shown, places, colours, marked, title, caption, fontsize)
    if backend == "html":
        return _heatmap_html.heatmap_html(tokens, raw, colours, marked, title, caption)
    raise ValueError(f"backend must be 'html' or 'matplotlib', not {backend!r}.")


def top_contexts(acts: Any, token_texts: Sequence[str], neuron: int, k: int = 10, window: int = 8, *,
                 largest: bool = True, vmin: float | None = None, vmax: float | None = None,
                 name: str | None = None) -> HTMLSnippet:
    """The ``k`` strongest activations of one neuron, each with ``window`` tokens of text either side.

    acts: ``[n_tokens, n_neurons]`` activations of one layer; ``largest=False`` lists the most
    negative. Colours use one scale for all rows (default: the neuron's whole column), so the rows
    are comparable; the token itself is underlined. ``name`` heads the table (default "Neuron <n>").
    Returns an :class:`HTMLSnippet` (a table).
    """
    tokens = _check_tokens(token_texts)
    matrix = as_numpy(acts)
    if matrix.ndim != 2:
        raise ValueError(f"acts must be [n_tokens, n_neurons] (one layer), got shape {tuple(matrix.shape)}.")
    if matrix.shape[0] != len(tokens):
        raise ValueError(f"acts has {matrix.shape[0]} rows but there are {len(tokens)} tokens.")
    if not (isinstance(neuron, (int, np.integer)) and 0 <= neuron < matrix.shape[1]):
        raise ValueError(f"neuron must be an index in 0..{matrix.shape[1] - 1}, got {neuron!r}.")
    if not (isinstance(k, (int, np.integer)) and k >= 1) or not (isinstance(window, (int, np.integer)) and window >= 0):
        raise ValueError("k must be an integer >= 1 and window an integer >= 0.")
    column = matrix[:, neuron].astype(float)
    keyed = np.where(np.isnan(column), -np.inf, column if largest else -column)
    order = np.argsort(-keyed, kind="stable")[: min(k, int(np.isfinite(keyed).sum()))]
    colours = token_colours(column, vmin=vmin, vmax=vmax)
    return _heatmap_html.contexts_table(tokens, column, colours, [int(i) for i in order], window,
                                        name or f"Neuron {neuron}", largest)


# ---------------------------------------------------------------- input checks


def _caption(raw: np.ndarray, vmin: float | None, vmax: float | None, cmap: str, squared: bool) -> str:
    finite = raw[np.isfinite(raw)]
    if not finite.size and (vmin is None or vmax is None):
        return "colour: no finite values to scale"
    lo = vmin if vmin is not None else finite.min()
    hi = vmax if vmax is not None else finite.max()
    return f"colour: {cmap} at {'a²' if squared else 'a'}, a = min-max scaled value; palest = {lo:.3g}, darkest = {hi:.3g}"


def _colour_map(cmap: str) -> Any:
    if isinstance(cmap, mpl.colors.Colormap):
        return cmap
    if isinstance(cmap, str) and cmap in mpl.colormaps:
        return mpl.colormaps[cmap]
    raise ValueError(f"Unknown colour map {cmap!r}: use a matplotlib name such as 'Reds' (the lecture's) or 'Blues'.")


def _as_1d_floats(values: Any, name: str) -> np.ndarray:
    array = as_numpy(values)
    if array.ndim != 1:
        raise ValueError(f"{name} must be 1-D (one value per token), got shape {tuple(array.shape)}: "
                         "pick one neuron, e.g. acts[18][:, 33].")
    if not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        raise TypeError(f"{name} must be numbers, got {array.dtype}.")
    return array.astype(float)


def _check_tokens(token_texts: Sequence[str]) -> list[str]:
    if isinstance(token_texts, str):
        raise TypeError("token_texts must be a list of token strings, not one string: lessonkit.token_texts(ids, tokenizer).")
    tokens = list(token_texts)
    bad = next((t for t in tokens if not isinstance(t, str)), None)
    if bad is not None:
        raise TypeError(f"token_texts must be decoded strings, found {type(bad).__name__} {bad!r}: "
                        "use lessonkit.token_texts(ids, tokenizer).")
    return tokens


def _check_highlight(highlight: Any, n_tokens: int) -> np.ndarray:
    if highlight is None:
        return np.zeros(n_tokens, dtype=bool)
    mask = as_numpy(highlight)
    if mask.shape != (n_tokens,):
        raise ValueError(f"highlight must hold one boolean per token ({n_tokens}), got shape {tuple(mask.shape)}.")
    return mask.astype(bool)
