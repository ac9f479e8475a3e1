"""The HTML form of the heatmap and of a neuron's top contexts: escaped spans with hover tooltips.

No JavaScript and no network: a ``title=`` attribute is the tooltip, so it works in JupyterLab,
classic Notebook, VS Code, Colab and a saved page alike.
"""

from __future__ import annotations

import html
from typing import Sequence

import numpy as np

NEWLINE_MARK = "\u21b5"  # ↵
FONTS = "Menlo, Consolas, 'DejaVu Sans Mono', 'Liberation Mono', monospace"
NUMBER_CELL = "text-align:right;padding:2px 6px"


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


def white_text(rgba: np.ndarray) -> np.ndarray:
    """True where white letters read better than black on the box (its colour over a white page, WCAG)."""
    rgb = rgba[:, :3] * rgba[:, 3:4] + (1 - rgba[:, 3:4])  # the box's alpha over white
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    luminance = linear @ np.array([0.2126, 0.7152, 0.0722])
    return (1.05 / (luminance + 0.05)) > ((luminance + 0.05) / 0.05)


def spans(tokens: Sequence[str], raw: np.ndarray, colours: np.ndarray, marked: np.ndarray,
          indices: Sequence[int], centre: int | None = None) -> list[str]:
    """One ``<span>`` per token index: escaped text, background colour, tooltip with index and value."""
    indices = list(indices)
    chosen = colours[indices].reshape(-1, 4)
    white = white_text(chosen)
    out = []
    for i, (r, g, b, a), is_white in zip(indices, chosen.tolist(), white.tolist()):
        text = tokens[i].replace("\n", NEWLINE_MARK + ("" if centre is not None else "\n"))
        tip = html.escape(f"#{i}  {tokens[i]!r}  value = {raw[i]:.4g}", quote=True)
        style = (f"background-color:rgba({round(r * 255)},{round(g * 255)},{round(b * 255)},{a:g});"
                 "border-radius:3px;padding:1px 0")
        if is_white:
            style += ";color:#fff"
        if marked[i] or i == centre:
            style += ";text-decoration:underline;text-decoration-thickness:2px;font-weight:bold"
        out.append(f'<span title="{tip}" style="{style}">{html.escape(text)}</span>')
    return out


def heatmap_html(tokens: list[str], raw: np.ndarray, colours: np.ndarray, marked: np.ndarray,
                 title: str | None, caption: str) -> HTMLSnippet:
    body = "".join(spans(tokens, raw, colours, marked, range(len(tokens))))
    header = f'<div style="font-weight:bold">{html.escape(title)}</div>' if title else ""
    note = " · hover a token for its value" if tokens else " · (no tokens)"
    page = (f'<div class="lessonkit-heatmap" style="font-family:{FONTS};font-size:11pt;line-height:1.75;'
            'white-space:pre-wrap;overflow-wrap:anywhere;color:#000;background:#fff;padding:4px">'
            f'{header}<div style="font-size:85%;color:#555;font-family:sans-serif">{html.escape(caption)}{note}</div>'
            f"{body}</div>")
    return HTMLSnippet(page, f"token heatmap of {len(tokens)} tokens")


def contexts_table(tokens: list[str], column: np.ndarray, colours: np.ndarray, order: list[int], window: int,
                   name: str, largest: bool) -> HTMLSnippet:
    """A table: rank, value, token index, and the context with the token underlined."""
    no_marks = np.zeros(len(tokens), dtype=bool)
    rows = []
    for rank, i in enumerate(order, start=1):
        around = range(max(0, i - window), min(len(tokens), i + window + 1))
        context = "".join(spans(tokens, column, colours, no_marks, around, centre=i))
        cells = "".join(f'<td style="{NUMBER_CELL}">{c}</td>' for c in (rank, f"{column[i]:.4g}", i))
        rows.append(f'<tr>{cells}<td style="font-family:{FONTS};white-space:pre;text-align:left;'
                    f'padding:2px 6px">{context}</td></tr>')
    which = "strongest" if largest else "most negative"
    head = (f'<div class="lessonkit-top-contexts"><div style="font-weight:bold">{html.escape(name)}: the {len(rows)} '
            f'{which} activations</div><table style="border-collapse:collapse"><tr><th>#</th><th>value</th>'
            f'<th>index</th><th style="text-align:left">context (the token underlined)</th></tr>')
    return HTMLSnippet(head + "".join(rows) + "</table></div>", f"top {len(rows)} contexts: {name}")
