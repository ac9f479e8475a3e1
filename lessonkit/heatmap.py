"""Monospace token heatmaps: each token of the text on a background coloured by a neuron's value.

The lecture draws every token with ``ax.text`` on a rounded box whose red intensity is the neuron's
min-max scaled activation, squared, twenty tokens to a row. Here the same picture comes two ways:

* ``backend="html"`` (default): inline spans, the value in a hover tooltip (a ``title=`` attribute:
  no JavaScript, no network, works in JupyterLab, classic Jupyter, VS Code and Colab).
* ``backend="matplotlib"``: the lecture's look, laid out like real text. A monospace font makes every
  character equally wide, so the layout is a grid of character cells: we measure one cell once, wrap
  lines at the figure edge, start a new line after a newline, and draw all boxes as one collection
  and all letters as one filled path (glyph outlines placed on the grid). That is what makes it
  many times faster than the lecture's one ``ax.text`` per token.

Both share the colours: ``scaled = (value - vmin) / (vmax - vmin)`` (the lecture's min-max scaling),
squared by default; ``diverging=True`` scales around 0 instead, so a negative neuron shows blue.
NaN values get a grey box. Newlines show as "↵" and start a new line.
"""

from __future__ import annotations

import html
import unicodedata
from functools import lru_cache
from typing import Any, Sequence

import matplotlib as mpl
import numpy as np
from matplotlib.colors import Colormap, LinearSegmentedColormap
from matplotlib.path import Path

from ._arrays import as_numpy

MAX_LINES = 2000  # Agg cannot draw images taller than 2**16 pixels
NEWLINE_MARK = "\u21b5"  # ↵
TAB_MARK = "\u2192"  # →
NAN_COLOUR = (0.82, 0.82, 0.82, 1.0)
MONOSPACE_FONT = "DejaVu Sans Mono"  # ships with matplotlib, so measured width == drawn width
NUMBER_CELL = "text-align:right;padding:2px 6px"
HTML_FONTS = "Menlo, Consolas, 'DejaVu Sans Mono', 'Liberation Mono', monospace"

# The lecture's colour: facecolor = (1, 1 - a, 1 - a), white to pure red.
LECTURE_REDS = LinearSegmentedColormap.from_list("lecture_reds", [(1, 1, 1), (1, 0, 0)])


class HTMLSnippet:
    """An HTML fragment that a notebook displays as HTML; the raw string is ``.html``."""

    def __init__(self, html_text: str, description: str = "HTML") -> None:
        self.html = html_text
        self.description = description

    def _repr_html_(self) -> str:
        return self.html

    def __str__(self) -> str:
        return self.html

    def __repr__(self) -> str:  # text/plain: short, never 100 kB of spans
        return f"<{self.description}: {len(self.html):,} characters of HTML>"

    def save(self, path: str) -> None:
        """Write a stand-alone page (opens in any browser)."""
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"></head><body>\n{self.html}\n</body></html>\n')


# ----------------------------------------------------------------------------------------------
# Values -> colours (shared by both backends)
# ----------------------------------------------------------------------------------------------

def value_range(*value_arrays: Any) -> tuple[float, float]:
    """``(vmin, vmax)`` over several texts' values, ignoring NaN: pass it to both heatmaps to compare them."""
    finite = [v[np.isfinite(v)] for v in (_as_1d_floats(a, "values") for a in value_arrays)]
    finite = [v for v in finite if v.size]
    if not finite:
        raise ValueError("value_range needs at least one finite value.")
    return float(min(v.min() for v in finite)), float(max(v.max() for v in finite))


def scale_values(values: Any, *, scaling: str = "squared", vmin: float | None = None,
                 vmax: float | None = None, diverging: bool = False) -> np.ndarray:
    """Values -> positions on the colour map, in [0, 1] (NaN stays NaN).

    Sequential: the lecture's min-max scaling, ``(v - vmin) / (vmax - vmin)``, then squared (or not).
    Diverging: ``v / max(|vmin|, |vmax|)`` in [-1, 1] (squared keeps the sign), moved to [0, 1], so that
    0 is the middle (white) of the colour map. Values outside a given ``vmin``/``vmax`` are clipped;
    when all values are equal there is nothing to show and every token gets the lowest colour.
    """
    if scaling not in ("squared", "linear"):
        raise ValueError(f"scaling must be 'squared' (the lecture's) or 'linear', not {scaling!r}.")
    v = _as_1d_floats(values, "values")
    finite = v[np.isfinite(v)]
    lo = float(vmin) if vmin is not None else (float(finite.min()) if finite.size else 0.0)
    hi = float(vmax) if vmax is not None else (float(finite.max()) if finite.size else 0.0)
    if lo > hi:
        raise ValueError(f"vmin ({lo}) must not be larger than vmax ({hi}).")
    with np.errstate(invalid="ignore", divide="ignore"):
        if diverging:
            bound = max(abs(lo), abs(hi))
            s = np.clip(v / bound, -1, 1) if bound > 0 else np.where(np.isnan(v), np.nan, 0.0)
            s = np.sign(s) * s**2 if scaling == "squared" else s
            return (s + 1) / 2
        s = np.clip((v - lo) / (hi - lo), 0, 1) if hi > lo else np.where(np.isnan(v), np.nan, 0.0)
        return s**2 if scaling == "squared" else s


def token_colours(values: Any, *, cmap: str | Colormap | None = None, diverging: bool = False,
                  **scale_options: Any) -> np.ndarray:
    """RGBA colours, one row per value: the lecture's white-to-red by default, blue-white-red if diverging."""
    position = scale_values(values, diverging=diverging, **scale_options)
    colour_map = _colour_map(cmap, diverging)
    rgba = np.asarray(colour_map(np.nan_to_num(position, nan=0.0)), dtype=float).reshape(-1, 4)
    rgba[np.isnan(position)] = NAN_COLOUR
    return rgba


def text_colours(rgba: np.ndarray) -> np.ndarray:
    """True where white text reads better than black on that background (WCAG contrast)."""
    linear = np.where(rgba[:, :3] <= 0.04045, rgba[:, :3] / 12.92, ((rgba[:, :3] + 0.055) / 1.055) ** 2.4)
    luminance = linear @ np.array([0.2126, 0.7152, 0.0722])
    return (1.05 / (luminance + 0.05)) > ((luminance + 0.05) / 0.05)


def new_figure(**options: Any) -> Any:
    """A matplotlib Figure drawn with Agg and unknown to pyplot, that a notebook shows once.

    A pyplot figure returned from a cell is shown twice (as the cell's value, and again by the inline
    backend at the end of the cell); this one only as the value, or with ``display(fig)``. It also
    gets a ``_repr_png_``, so it displays even where matplotlib's inline support is not switched on
    yet (no ``import matplotlib.pyplot`` so far). ``fig.savefig`` works as usual.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(**options)
    FigureCanvasAgg(fig)
    fig._repr_png_ = lambda: _png_bytes(fig)
    return fig


def _png_bytes(fig: Any) -> bytes:
    import io

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def _colour_map(cmap: str | Colormap | None, diverging: bool) -> Colormap:
    if cmap is None:
        return mpl.colormaps["bwr"] if diverging else LECTURE_REDS
    if isinstance(cmap, Colormap):
        return cmap
    if isinstance(cmap, str) and cmap in mpl.colormaps:
        return mpl.colormaps[cmap]
    raise ValueError(f"Unknown colour map {cmap!r}: use a matplotlib name such as 'Reds' or 'bwr', or None.")


# ----------------------------------------------------------------------------------------------
# The public function
# ----------------------------------------------------------------------------------------------

def token_heatmap(token_texts: Sequence[str], values: Any, *, backend: str = "html",
                  cmap: str | Colormap | None = None, scaling: str = "squared",
                  vmin: float | None = None, vmax: float | None = None, diverging: bool = False,
                  highlight: Any = None, title: str | None = None, width: float = 12.0,
                  fontsize: float = 10.0) -> Any:
    """Show ``token_texts`` with each token on a background coloured by its value.

    token_texts: decoded tokens, e.g. ``[tokenizer.decode([t]) for t in ids]``.
    values: one number per token (a neuron's activations: ``acts[:, neuron]``); NaN is drawn grey.
    backend: ``"html"`` (hover a token for its index and value) or ``"matplotlib"`` (the lecture's look).
    cmap: None for the lecture's white-to-red (blue-white-red when ``diverging``), or a matplotlib name.
    scaling: ``"squared"`` (the lecture's) or ``"linear"`` min-max scaling.
    vmin, vmax: a fixed value range, e.g. ``value_range(train_acts, heldout_acts)`` for two comparable texts.
    diverging: scale around 0, so negative values are blue and positive red.
    highlight: booleans, one per token (e.g. the proper-noun tags): those tokens are underlined/framed.
    width, fontsize: figure width in inches and font size in points (matplotlib; the HTML fills the cell).

    Returns an :class:`HTMLSnippet` (``.html`` holds the string) or a matplotlib ``Figure``.
    """
    tokens = _check_tokens(token_texts)
    raw = _as_1d_floats(values, "values")
    if raw.shape[0] != len(tokens):
        raise ValueError(f"values has {raw.shape[0]} entries but there are {len(tokens)} tokens: "
                         "pass one value per token (e.g. acts[:len(tokens), neuron]).")
    marked = _check_highlight(highlight, len(tokens))
    colours = token_colours(raw, cmap=cmap, diverging=diverging, scaling=scaling, vmin=vmin, vmax=vmax)
    caption = _caption(raw, scaling=scaling, vmin=vmin, vmax=vmax, diverging=diverging)
    if backend == "html":
        return HTMLSnippet(_html_heatmap(tokens, raw, colours, marked, title, caption, fontsize),
                           f"token heatmap of {len(tokens)} tokens")
    if backend == "matplotlib":
        return _figure_heatmap(tokens, colours, marked, title, caption, width, fontsize)
    raise ValueError(f"backend must be 'html' or 'matplotlib', not {backend!r}.")


def _caption(raw: np.ndarray, *, scaling: str, vmin: float | None, vmax: float | None, diverging: bool) -> str:
    finite = raw[np.isfinite(raw)]
    if not finite.size and (vmin is None or vmax is None):
        return "colour: no finite values to scale"
    lo = vmin if vmin is not None else finite.min()
    hi = vmax if vmax is not None else finite.max()
    if diverging:
        bound = max(abs(lo), abs(hi))
        return f"colour: {scaling} scale, blue = {-bound:.3g}, white = 0, red = {bound:.3g}"
    return f"colour: {scaling} min-max scale, white = {lo:.3g}, full colour = {hi:.3g}"


# ----------------------------------------------------------------------------------------------
# HTML
# ----------------------------------------------------------------------------------------------

def _html_heatmap(tokens: list[str], raw: np.ndarray, colours: np.ndarray, marked: np.ndarray,
                  title: str | None, caption: str, fontsize: float) -> str:
    spans = "".join(_html_spans(tokens, raw, colours, marked, range(len(tokens))))
    header = f'<div style="font-weight:bold">{html.escape(title)}</div>' if title else ""
    return (f'<div class="lessonkit-heatmap" style="font-family:{HTML_FONTS};font-size:{fontsize}pt;'
            'line-height:1.75;white-space:pre-wrap;overflow-wrap:anywhere;color:#000;background:#fff;'
            f'padding:4px">{header}<div style="font-size:85%;color:#555;font-family:sans-serif">'
            f'{html.escape(caption)}{" · hover a token for its value" if tokens else " · (no tokens)"}'
            f'</div>{spans}</div>')


def _html_spans(tokens: list[str], raw: np.ndarray, colours: np.ndarray, marked: np.ndarray,
                indices: Sequence[int], centre: int | None = None) -> list[str]:
    """One ``<span>`` per token index: escaped text, background colour, tooltip with index and value."""
    indices = list(indices)
    rgb = np.round(colours[indices, :3] * 255).astype(int).reshape(-1, 3)
    white = text_colours(colours[indices].reshape(-1, 4))
    spans = []
    for i, (r, g, b), is_white in zip(indices, rgb.tolist(), white.tolist()):
        text = html.escape(tokens[i].replace("\n", NEWLINE_MARK + "\n"))
        if centre is not None:  # one line per context: no line breaks
            text = text.replace("\n", "")
        tip = html.escape(f"#{i}  {tokens[i]!r}  value = {raw[i]:.4g}", quote=True)
        style = f"background-color:#{r:02x}{g:02x}{b:02x};border-radius:3px;padding:1px 0"
        if is_white:
            style += ";color:#fff"
        if marked[i] or i == centre:
            style += ";text-decoration:underline;text-decoration-thickness:2px;font-weight:bold"
        spans.append(f'<span title="{tip}" style="{style}">{text}</span>')
    return spans


# ----------------------------------------------------------------------------------------------
# matplotlib
# ----------------------------------------------------------------------------------------------

@lru_cache(maxsize=None)
def _glyphs_in_font() -> frozenset[int]:
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    path = font_manager.findfont(font_manager.FontProperties(family=MONOSPACE_FONT))
    return frozenset(FT2Font(path).get_charmap())


@lru_cache(maxsize=None)
def cell_width(fontsize: float) -> float:
    """Width in points of one character of the monospace font (measured once per size)."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    width, _, _ = TextToPath().get_text_width_height_descent("x" * 100, FontProperties(family=MONOSPACE_FONT, size=fontsize), ismath=False)
    return width / 100


@lru_cache(maxsize=4096)
def _cells(token: str) -> str:
    """The token as drawable monospace cells: newline -> "↵" + line break, tab -> "→", and every
    character the font lacks (or that is not one cell wide) -> "\ufffd", so one character is one cell."""
    glyphs = _glyphs_in_font()
    out = []
    for char in token:
        if char == "\n":
            out.append(NEWLINE_MARK + "\n")
        elif char == "\t":
            out.append(TAB_MARK)
        elif (ord(char) in glyphs and char.isprintable() and not unicodedata.combining(char)
              and unicodedata.east_asian_width(char) not in "WF"):
            out.append(char)
        else:
            out.append("\ufffd")
    return "".join(out)


def layout_cells(tokens: Sequence[str], columns: int) -> list[tuple[int, int, int, str]]:
    """Place tokens on a grid ``columns`` cells wide: ``(token index, line, column, text)`` pieces.

    A token that does not fit on the rest of a line starts the next one; a token longer than a whole
    line is cut into several pieces; a newline ends the line.
    """
    pieces, line, col = [], 0, 0
    for i, token in enumerate(tokens):
        for part_no, part in enumerate(_cells(token).split("\n")):
            if part_no:  # after a newline
                line, col = line + 1, 0
            while part:
                room = columns - col
                if len(part) > room and (col > 0 and len(part) <= columns or room == 0):
                    line, col = line + 1, 0
                    continue
                piece = part[:room]
                pieces.append((i, line, col, piece))
                col += len(piece)
                part = part[len(piece):]
    return pieces


@lru_cache(maxsize=None)
def _glyph_outline(char: str, fontsize: float) -> tuple[np.ndarray, np.ndarray]:
    """Outline of one character (vertices in points, y down, origin at its baseline start) and path codes."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextPath

    outline = TextPath((0, 0), char, prop=FontProperties(family=MONOSPACE_FONT, size=fontsize))
    codes = outline.codes if outline.codes is not None else np.full(len(outline.vertices), Path.LINETO)
    return outline.vertices * [1, -1], codes  # y flipped: our axes run downwards


def text_outline(lines: dict[int, str], fontsize: float, x0: float, baselines: dict[int, float]) -> Path:
    """All characters of all lines as one path, each glyph placed on its cell of the grid.

    Drawing one filled path is far cheaper than drawing text glyph by glyph, and no font hinting
    can move a glyph off the box laid out for it.
    """
    cell, vertices, codes = cell_width(fontsize), [], []
    for line, text in lines.items():
        for col, char in enumerate(text):
            if char == " ":
                continue
            outline, outline_codes = _glyph_outline(char, fontsize)
            vertices.append(outline + (x0 + col * cell, baselines[line]))
            codes.append(outline_codes)
    if not vertices:
        return Path(np.zeros((0, 2)))
    return Path(np.concatenate(vertices), np.concatenate(codes))


def _figure_heatmap(tokens: list[str], colours: np.ndarray, marked: np.ndarray, title: str | None,
                    caption: str, width: float, fontsize: float) -> Any:
    from matplotlib.collections import PathCollection
    from matplotlib.patches import BoxStyle

    if width <= 1 or fontsize <= 0:
        raise ValueError("width (inches) must be > 1 and fontsize (points) > 0.")
    cell, line_height, margin = cell_width(fontsize), 1.6 * fontsize, 14.0
    columns = max(1, int((width * 72 - 2 * margin) // cell))
    pieces = layout_cells(tokens, columns)
    n_lines = pieces[-1][1] + 1 if pieces else 1
    if n_lines > MAX_LINES:
        raise ValueError(f"{len(tokens):,} tokens make {n_lines:,} lines, too tall for one figure (at most "
                         f"{MAX_LINES:,}): show a slice, e.g. tokens[:2000], or use backend='html'.")
    top = margin + 1.5 * fontsize * (2 if title else 1)  # room for the title and the caption
    height = top + n_lines * line_height + margin

    fig = new_figure(figsize=(width, height / 72))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width * 72)
    ax.set_ylim(height, 0)  # units are points, y downwards like text
    ax.axis("off")
    if title:
        ax.text(margin, margin, title, fontsize=fontsize * 1.2, weight="bold", va="top", parse_math=False)
    ax.text(margin, top - 0.3 * fontsize, caption, fontsize=fontsize * 0.85, color="#555", va="bottom", parse_math=False)
    if not pieces:
        ax.text(margin, top + fontsize, "(no tokens)", fontsize=fontsize, color="#555", va="top")
        return fig

    # One rounded box per piece of token, all in one collection.
    round_box = BoxStyle.Round(pad=0, rounding_size=0.25 * fontsize)
    boxes, faces, edges, widths = [], [], [], []
    black_lines: dict[int, list[str]] = {}
    white_lines: dict[int, list[str]] = {}
    white = text_colours(colours)
    for i, line, col, text in pieces:
        y = top + line * line_height + 0.1 * fontsize
        boxes.append(round_box(margin + col * cell + 0.4, y, len(text) * cell - 0.8, 1.35 * fontsize, 1.0))
        faces.append(colours[i])
        edges.append((0, 0, 0, 1) if marked[i] else (0, 0, 0, 0))
        widths.append(1.3 if marked[i] else 0.0)
        row = (white_lines if white[i] else black_lines).setdefault(line, [" "] * columns)
        row[col:col + len(text)] = text
    ax.add_collection(PathCollection(boxes, facecolors=np.array(faces), edgecolors=np.array(edges), linewidths=widths,
                                     transform=ax.transData), autolim=False)

    # The text: black on light boxes, white on dark ones, each colour one path.
    baselines = {line: top + line * line_height + 1.08 * fontsize for line in range(n_lines)}
    text_paths = [text_outline({k: "".join(v) for k, v in rows.items()}, fontsize, margin, baselines)
                  for rows in (black_lines, white_lines)]
    ax.add_collection(PathCollection(text_paths, facecolors=["black", "white"], edgecolors="none",
                                     linewidths=0, transform=ax.transData), autolim=False)
    return fig


# ----------------------------------------------------------------------------------------------
# Top contexts (Neuroscope-style)
# ----------------------------------------------------------------------------------------------

def top_contexts(acts: Any, token_texts: Sequence[str], neuron: int, k: int = 10, window: int = 8,
                 *, largest: bool = True, cmap: str | Colormap | None = None,
                 scaling: str = "squared") -> HTMLSnippet:
    """The ``k`` strongest activations of one neuron, each with ``window`` tokens of text either side.

    acts: ``[n_tokens, n_neurons]`` activations of one layer; ``largest=False`` lists the most negative.
    Colours are the heatmap's, scaled over the neuron's whole column so the rows are comparable;
    the token itself is underlined. Returns an :class:`HTMLSnippet` (a table).
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
    colours = token_colours(column, cmap=cmap, scaling=scaling)
    keyed = np.where(np.isnan(column), -np.inf, column if largest else -column)
    order = np.argsort(-keyed, kind="stable")[: min(k, int(np.isfinite(keyed).sum()))]
    no_marks = np.zeros(len(tokens), dtype=bool)
    rows = []
    for rank, i in enumerate(order, start=1):
        around = range(max(0, i - window), min(len(tokens), i + window + 1))
        context = "".join(_html_spans(tokens, column, colours, no_marks, around, centre=int(i)))
        cells = [f"{rank}", f"{column[i]:.4g}", f"{i}"]
        rows.append("<tr>" + "".join(f'<td style="{NUMBER_CELL}">{c}</td>' for c in cells)
                    + f'<td style="font-family:{HTML_FONTS};white-space:pre;text-align:left;padding:2px 6px">'
                    f'{context}</td></tr>')
    which = "strongest" if largest else "most negative"
    head = (f'<div class="lessonkit-top-contexts"><div style="font-weight:bold">Neuron {neuron}: the {len(rows)} '
            f'{which} activations</div><table style="border-collapse:collapse"><tr><th>#</th><th>value</th>'
            f'<th>index</th><th style="text-align:left">context (the token underlined)</th></tr>')
    return HTMLSnippet(head + "".join(rows) + "</table></div>", f"top {len(rows)} contexts of neuron {neuron}")


# ----------------------------------------------------------------------------------------------
# Input checks
# ----------------------------------------------------------------------------------------------

def _as_1d_floats(values: Any, name: str) -> np.ndarray:
    array = as_numpy(values)
    if array.ndim != 1:
        raise ValueError(f"{name} must be 1-D (one value per token), got shape {tuple(array.shape)}: "
                         "pick one neuron, e.g. acts[:, 33].")
    if not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        raise TypeError(f"{name} must be numbers, got {array.dtype}.")
    return array.astype(float)


def _check_tokens(token_texts: Sequence[str]) -> list[str]:
    if isinstance(token_texts, str):
        raise TypeError("token_texts must be a list of token strings, not one string: "
                        "[tokenizer.decode([t]) for t in ids].")
    tokens = list(token_texts)
    bad = next((t for t in tokens if not isinstance(t, str)), None)
    if bad is not None:
        raise TypeError(f"token_texts must be decoded strings, found {type(bad).__name__} {bad!r}: "
                        "use [tokenizer.decode([t]) for t in ids].")
    return tokens


def _check_highlight(highlight: Any, n_tokens: int) -> np.ndarray:
    if highlight is None:
        return np.zeros(n_tokens, dtype=bool)
    mask = as_numpy(highlight)
    if mask.shape != (n_tokens,):
        raise ValueError(f"highlight must hold one boolean per token ({n_tokens}), got shape {tuple(mask.shape)}.")
    return mask.astype(bool)
