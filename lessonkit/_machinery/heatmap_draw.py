"""Drawing the lecture's heatmap fast: all boxes as one collection, all letters as one filled path.

The lecture draws each token with its own ``ax.text(..., bbox=...)``: 512 text artists and 512
boxes, about a second per figure. Here the picture is the same -- 12-pt DejaVu Sans Mono (the font
matplotlib's "monospace" resolves to), boxes padded by .3 of the font size with round corners,
the lecture's gap and line spacing -- but the boxes are one ``PathCollection`` and the letters one
path of glyph outlines placed on the grid, which draws in a few tens of milliseconds.

Units are points, y running down the page like text.
"""

from __future__ import annotations

import io
from functools import lru_cache
from typing import Any, Sequence

import numpy as np
from matplotlib.path import Path

MONOSPACE_FONT = "DejaVu Sans Mono"
# The lecture's figure is 10 x 2 inches; its axes (matplotlib's default margins) 7.75 x 1.54 inches.
# It moves .01 axes widths between tokens and .17 axes heights between lines.
GAP = 0.01 * 7.75 * 72  # 5.58 points
LINE_STEP = 0.17 * 1.54 * 72  # 18.85 points
PAD = 0.3  # box padding, in font sizes ("round,pad=.3")
MARGIN = 10.0
MAX_LINES = 2400  # Agg cannot draw images taller than 2**16 pixels


@lru_cache(maxsize=1)
def _glyphs_in_font() -> frozenset[int]:
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    path = font_manager.findfont(font_manager.FontProperties(family=MONOSPACE_FONT))
    return frozenset(FT2Font(path).get_charmap())


def font_has(char: str) -> bool:
    """Can the monospace font draw this character?"""
    return ord(char) in _glyphs_in_font()


def _font(fontsize: float) -> Any:
    from matplotlib.font_manager import FontProperties

    return FontProperties(family=MONOSPACE_FONT, size=fontsize)


@lru_cache(maxsize=None)
def cell_width(fontsize: float) -> float:
    """Width in points of one character of the monospace font (what the lecture measures with 'n')."""
    from matplotlib.textpath import TextToPath

    width, _, _ = TextToPath().get_text_width_height_descent("n" * 100, _font(fontsize), ismath=False)
    return width / 100


@lru_cache(maxsize=None)
def line_metrics(fontsize: float) -> tuple[float, float]:
    """(height, descent) in points of one line of text, as matplotlib lays out a ``Text`` ("lp")."""
    from matplotlib.textpath import TextToPath

    _, height, descent = TextToPath().get_text_width_height_descent("lp", _font(fontsize), ismath=False)
    return height, descent


@lru_cache(maxsize=None)
def _glyph(char: str, fontsize: float) -> tuple[np.ndarray, np.ndarray]:
    """Outline of one character: vertices in points (y down, origin at its baseline start), path codes."""
    from matplotlib.textpath import TextPath

    outline = TextPath((0, 0), char, prop=_font(fontsize))
    codes = outline.codes if outline.codes is not None else np.full(len(outline.vertices), Path.LINETO)
    return outline.vertices * [1, -1], codes


def letters_path(texts: Sequence[str], lefts: Sequence[float], baselines: Sequence[float], fontsize: float) -> Path:
    """Every character of every token as one path, each glyph on its cell of the grid."""
    cell, vertices, codes = cell_width(fontsize), [], []
    for text, left, baseline in zip(texts, lefts, baselines):
        for col, char in enumerate(text):
            if not char.isspace():
                outline, outline_codes = _glyph(char, fontsize)
                vertices.append(outline + (left + col * cell, baseline))
                codes.append(outline_codes)
    if not vertices:
        return Path(np.zeros((0, 2)))
    return Path(np.concatenate(vertices), np.concatenate(codes))


def new_figure(**options: Any) -> Any:
    """A matplotlib Figure drawn with Agg and unknown to pyplot, that a notebook shows once.

    A pyplot figure returned from a cell is shown twice (as the cell's value, and again by the inline
    backend); this one only as the value, or with ``display(fig)``. Its ``_repr_png_`` makes it show
    even where matplotlib's inline support is not switched on. ``fig.savefig`` works as usual.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(**options)
    FigureCanvasAgg(fig)
    fig._repr_png_ = lambda: png_bytes(fig)
    return fig


def png_bytes(fig: Any) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def draw_heatmap(texts: list[str], places: list[tuple[int, float]], colours: np.ndarray, marked: np.ndarray,
                 title: str | None, caption: str, fontsize: float) -> Any:
    """The figure: a rounded box per token at its ``(line, x)`` place, filled with its colour, text on top."""
    from matplotlib.collections import PathCollection
    from matplotlib.patches import BoxStyle

    if fontsize <= 0:
        raise ValueError("fontsize (points) must be > 0.")
    n_lines = places[-1][0] + 1 if places else 1
    if n_lines > MAX_LINES:
        raise ValueError(f"{len(texts):,} tokens make {n_lines:,} lines, too tall for one figure (at most "
                         f"{MAX_LINES:,}): show a slice, e.g. the first 2,000 tokens, or use backend='html'.")
    cell, (height, descent), pad = cell_width(fontsize), line_metrics(fontsize), PAD * fontsize
    header = MARGIN + 1.5 * fontsize * (2 if title else 1)
    first_centre = header + height / 2 + pad
    right = max((x + len(t) * cell for t, (_, x) in zip(texts, places)), default=0.0)
    width = 2 * MARGIN + 2 * pad + max(right, 40 * cell)
    total_height = first_centre + (n_lines - 1) * LINE_STEP + height / 2 + pad + MARGIN

    fig = new_figure(figsize=(width / 72, total_height / 72))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(total_height, 0)
    ax.axis("off")
    if title:
        ax.text(MARGIN, MARGIN, title, fontsize=fontsize, weight="bold", va="top", parse_math=False)
    ax.text(MARGIN, header - 0.4 * fontsize, caption, fontsize=0.8 * fontsize, color="#555", va="bottom",
            parse_math=False)
    if not texts:
        ax.text(MARGIN, first_centre, "(no tokens)", fontsize=fontsize, color="#555", va="center")
        return fig

    round_box = BoxStyle.Round(pad=0, rounding_size=pad)
    lefts = [MARGIN + pad + x for _, x in places]
    centres = [first_centre + line * LINE_STEP for line, _ in places]
    boxes = [round_box(left - pad, centre - height / 2 - pad, len(text) * cell + 2 * pad, height + 2 * pad, 1.0)
             for text, left, centre in zip(texts, lefts, centres)]
    ax.add_collection(PathCollection(boxes, facecolors=colours, edgecolors=np.where(marked[:, None], (0, 0, 0, 1), (0, 0, 0, 0)),
                                     linewidths=np.where(marked, 1.3, 0.0), transform=ax.transData), autolim=False)
    baselines = [centre + height / 2 - descent for centre in centres]
    ax.add_collection(PathCollection([letters_path(texts, lefts, baselines, fontsize)], facecolors="black",
                                     edgecolors="none", linewidths=0, transform=ax.transData), autolim=False)
    return fig
