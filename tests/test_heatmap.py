"""Token heatmaps: colours as the lecture computes them, text escaped, layout that wraps, odd inputs."""

from __future__ import annotations

import re

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
import torch

import lessonkit
from lessonkit.heatmap import (NAN_COLOUR, NEWLINE_MARK, cell_width, layout_cells, scale_values,
                               token_colours, value_range)

TOKENS = [" The", " city", " of", " Paris", " is", " in", " France", ".", "\n", "\n", " It", "<script>", " &", '"']
VALUES = np.array([0.1, -0.3, 0.0, 2.5, 0.2, -1.0, 1.7, 0.05, -0.2, 0.0, 0.4, 3.0, -2.0, 0.9])
ODD_INPUTS = {
    "empty": ([], []),
    "nan": (TOKENS, np.where(np.arange(len(TOKENS)) % 3 == 0, np.nan, VALUES)),
    "all-nan": (TOKENS, np.full(len(TOKENS), np.nan)),
    "constant": (TOKENS, np.full(len(TOKENS), 4.2)),
    "very-long-token": ([" a", "x" * 1000, " b"], [1.0, 2.0, 3.0]),
    "newlines": (["\n", "\n\n", " a\nb", "\r\n", "\t"], [1.0, 2.0, 3.0, 4.0, 5.0]),
    "special": (["<script>", "</div>", "$x$", "&amp;", "'\"", "\u0301", "日本", "\x00"], np.arange(8.0)),
}


def html_of(tokens, values, **options) -> str:
    snippet = lessonkit.token_heatmap(tokens, values, **options)
    assert snippet._repr_html_() == snippet.html == str(snippet)
    return snippet.html


def backgrounds(html_text: str) -> list[tuple[int, int, int]]:
    """The background colour of every token span, in order."""
    return [tuple(int(h[i:i + 2], 16) for i in (0, 2, 4)) for h in re.findall(r"background-color:#([0-9a-f]{6})", html_text)]


# ---- colours -------------------------------------------------------------------------------------

def test_colours_are_the_lectures_formula():
    # The lecture: a = ((v - min) / (max - min)) ** 2, facecolor = (1, 1 - a, 1 - a).
    a = ((VALUES - VALUES.min()) / (VALUES.max() - VALUES.min())) ** 2
    expected = np.stack([np.ones_like(a), 1 - a, 1 - a], axis=1)
    np.testing.assert_allclose(token_colours(VALUES)[:, :3], expected, atol=1 / 255)


def test_linear_scaling_is_plain_min_max():
    a = (VALUES - VALUES.min()) / (VALUES.max() - VALUES.min())
    np.testing.assert_allclose(scale_values(VALUES, scaling="linear"), a)


def test_colours_are_monotone_in_value():
    values = np.linspace(-3, 5, 200)
    for options in ({}, {"scaling": "linear"}, {"cmap": "Reds"}):
        rgb = token_colours(values, **options)[:, :3]
        assert np.all(np.diff(rgb[:, 1]) <= 1e-12), options  # green falls as the value rises
    shown = np.array(backgrounds(html_of([f" t{i}" for i in range(200)], values)))
    assert np.all(np.diff(shown[:, 1]) <= 0) and shown[0, 1] == 255 and shown[-1, 1] == 0


def test_diverging_is_white_at_zero_blue_below_red_above():
    rgb = token_colours(np.array([-2.0, -0.5, 0.0, 0.5, 2.0]), diverging=True)[:, :3]
    np.testing.assert_allclose(rgb[2], [1, 1, 1], atol=1 / 255)
    assert rgb[0, 2] > rgb[0, 0] and rgb[4, 0] > rgb[4, 2]  # blue below 0, red above
    assert rgb[0, 0] < rgb[1, 0] and rgb[4, 2] < rgb[3, 2]  # stronger further from 0
    np.testing.assert_allclose(rgb[0], rgb[4][::-1], atol=1 / 255)  # symmetric


def test_fixed_range_makes_two_texts_comparable():
    train, heldout = np.array([0.0, 1.0, 2.0]), np.array([1.0, 4.0, -1.0])
    vmin, vmax = value_range(train, heldout)
    assert (vmin, vmax) == (-1.0, 4.0)
    a, b = token_colours(train, vmin=vmin, vmax=vmax), token_colours(heldout, vmin=vmin, vmax=vmax)
    np.testing.assert_array_equal(a[1], b[0])  # the same value, the same colour
    assert not np.array_equal(token_colours(train)[1], token_colours(heldout)[0])  # not so without it
    clipped = token_colours(np.array([-10.0, 10.0]), vmin=0, vmax=1)
    np.testing.assert_array_equal(clipped, token_colours(np.array([0.0, 1.0]), vmin=0, vmax=1))


def test_nan_is_grey_and_constant_is_white():
    colours = token_colours(np.array([1.0, np.nan, 3.0]))
    np.testing.assert_array_equal(colours[1], NAN_COLOUR)
    np.testing.assert_allclose(token_colours(np.full(4, 7.0))[:, :3], 1.0)


# ---- HTML ----------------------------------------------------------------------------------------

def test_html_escapes_token_text():
    text = html_of(["<script>alert(1)</script>", ' "x" & y'], [1.0, 2.0])
    assert "<script>" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "&quot;x&quot; &amp; y" in text


def test_html_has_one_span_per_token_with_tooltip():
    text = html_of(TOKENS, VALUES)
    titles = re.findall(r'<span title="([^"]*)"', text)
    assert len(titles) == len(TOKENS)
    assert titles[3] == "#3  &#x27; Paris&#x27;  value = 2.5"
    assert "white-space:pre-wrap" in text  # spaces kept
    assert len(backgrounds(text)) == len(TOKENS)


def test_html_newline_is_a_mark_and_a_line_break():
    text = html_of([" a", "\n", " b", "\n\n", "c"], [1.0, 2.0, 3.0, 4.0, 5.0])
    assert text.count(NEWLINE_MARK) == 3
    assert text.count(NEWLINE_MARK + "\n") == 3


def test_html_highlight_marks_the_tagged_tokens():
    mask = np.array([t.strip()[:1].isupper() for t in TOKENS])
    text = html_of(TOKENS, VALUES, highlight=mask)
    assert text.count("text-decoration:underline") == mask.sum() == 4


def test_html_needs_no_network_or_script():
    text = html_of(TOKENS, VALUES)
    assert "<script" not in text and "http" not in text and "<link" not in text


def test_accepts_torch_tensors():
    snippet = lessonkit.token_heatmap(TOKENS, torch.tensor(VALUES, dtype=torch.float16))
    assert len(backgrounds(snippet.html)) == len(TOKENS)


@pytest.mark.parametrize("case", ODD_INPUTS)
@pytest.mark.parametrize("backend", ["html", "matplotlib"])
def test_odd_inputs_do_not_raise(case, backend):
    tokens, values = ODD_INPUTS[case]
    result = lessonkit.token_heatmap(tokens, values, backend=backend, title="odd <input>")
    if backend == "matplotlib":
        result.canvas.draw()
    else:
        assert "<input>" not in result.html


def test_save_writes_a_page(tmp_path):
    path = tmp_path / "heatmap.html"
    lessonkit.token_heatmap(TOKENS, VALUES).save(str(path))
    page = path.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and 'charset="utf-8"' in page


@pytest.mark.parametrize("bad, error", [
    (dict(token_texts=TOKENS, values=VALUES[:-1]), ValueError),
    (dict(token_texts=TOKENS, values=np.ones((len(TOKENS), 2))), ValueError),
    (dict(token_texts=[464, 3139], values=[1.0, 2.0]), TypeError),
    (dict(token_texts="The city", values=[1.0]), TypeError),
    (dict(token_texts=TOKENS, values=VALUES, backend="svg"), ValueError),
    (dict(token_texts=TOKENS, values=VALUES, scaling="cubic"), ValueError),
    (dict(token_texts=TOKENS, values=VALUES, vmin=2, vmax=1), ValueError),
    (dict(token_texts=TOKENS, values=VALUES, highlight=[True]), ValueError),
    (dict(token_texts=TOKENS, values=VALUES, cmap="no-such-map"), ValueError),
])
def test_bad_input_gets_a_clear_error(bad, error):
    with pytest.raises(error):
        lessonkit.token_heatmap(**bad)


# ---- matplotlib layout ---------------------------------------------------------------------------

def test_layout_wraps_splits_and_breaks_lines():
    tokens = [" one", " two", "\n", "y" * 25, " six", " seven"]
    pieces = layout_cells(tokens, columns=10)
    # Each token's pieces spell its text (newline -> mark), in order.
    for i, token in enumerate(tokens):
        assert "".join(text for j, _, _, text in pieces if j == i) == token.replace("\n", NEWLINE_MARK)
    # Nothing sticks out of a line, and nothing overlaps.
    for line in {p[1] for p in pieces}:
        cells = sorted((col, col + len(text)) for _, ln, col, text in pieces if ln == line)
        assert all(end <= 10 for _, end in cells)
        assert all(a_end <= b_start for (_, a_end), (b_start, _) in zip(cells, cells[1:]))
    lines = {i: sorted({ln for j, ln, _, _ in pieces if j == i}) for i in range(len(tokens))}
    assert lines[0] == lines[1] == lines[2] == [0]  # " one two↵" fits on one line
    assert lines[3] == [1, 2, 3]  # 25 cells on lines of 10 after the newline: split in three
    assert lines[4] == [3] and lines[5] == [4]  # " six" fits beside the last 5 y's, " seven" does not


def test_layout_matches_a_literal_typewriter():
    rng = np.random.default_rng(0)
    tokens = ["".join(rng.choice(list("ab \n"), size=rng.integers(1, 9))) for _ in range(300)]
    columns = 17
    line, col = 0, 0  # the rule, written out as a loop over characters
    expected = []
    for i, token in enumerate(tokens):
        for part_no, part in enumerate(token.replace("\n", NEWLINE_MARK + "\n").split("\n")):
            if part_no:
                line, col = line + 1, 0
            if part and col and len(part) > columns - col and len(part) <= columns:
                line, col = line + 1, 0
            for char in part:
                if col == columns:
                    line, col = line + 1, 0
                expected.append((i, line, col, char))
                col += 1
    got = [(i, ln, c + k, ch) for i, ln, c, text in layout_cells(tokens, columns) for k, ch in enumerate(text)]
    assert got == expected


def test_figure_boxes_carry_the_token_colours_and_fit_the_width():
    tokens = [f" word{i}" for i in range(200)]
    values = np.linspace(0, 1, 200)
    fig = lessonkit.token_heatmap(tokens, values, backend="matplotlib", width=8)
    boxes, text = fig.axes[0].collections
    assert len(boxes.get_paths()) == len(tokens)  # every token fits a line: one box each
    np.testing.assert_allclose(boxes.get_facecolors(), token_colours(values), atol=1e-6)
    right = max(path.vertices[:, 0].max() for path in boxes.get_paths())
    assert right <= 8 * 72
    n_letters = sum(len(t.strip()) for t in tokens)
    assert len(text.get_paths()[0].vertices) > n_letters  # all letters outlined in one path


def test_figure_letters_sit_inside_their_boxes():
    fig = lessonkit.token_heatmap(["MMMM", " WWW", "\n", "i"], [1.0, 2.0, 3.0, 4.0], backend="matplotlib")
    boxes, text = fig.axes[0].collections
    box_x = [(p.vertices[:, 0].min(), p.vertices[:, 0].max()) for p in boxes.get_paths()]
    letters_x = text.get_paths()[0].vertices[:, 0]
    cell = cell_width(10.0)
    assert box_x[1][0] == pytest.approx(box_x[0][1] + 0.8)  # boxes side by side, a hairline apart
    assert box_x[0][1] - box_x[0][0] == pytest.approx(4 * cell - 0.8)
    assert letters_x.min() >= box_x[0][0] - 1 and letters_x.max() <= max(x for _, x in box_x) + 1


def test_figure_highlight_frames_the_tagged_tokens():
    mask = np.array([t.strip()[:1].isupper() for t in TOKENS])
    fig = lessonkit.token_heatmap(TOKENS, VALUES, backend="matplotlib", highlight=mask)
    boxes = fig.axes[0].collections[0]
    framed = boxes.get_edgecolors()[:, 3] > 0
    assert framed.sum() == mask.sum()


def test_dark_boxes_get_white_letters():
    fig = lessonkit.token_heatmap([" a", " b"], [0.0, 1.0], backend="matplotlib", cmap="Greys", scaling="linear")
    black, white = fig.axes[0].collections[1].get_paths()
    assert len(black.vertices) and len(white.vertices)  # " a" on white: black; " b" on black: white


def test_figure_too_tall_for_agg_says_what_to_do():
    with pytest.raises(ValueError, match="slice"):
        lessonkit.token_heatmap(["\n"] * 2001, np.ones(2001), backend="matplotlib")


def test_figure_saves_as_png(tmp_path):
    fig = lessonkit.token_heatmap(TOKENS * 20, np.tile(VALUES, 20), backend="matplotlib", title="test")
    fig.savefig(tmp_path / "heatmap.png", dpi=72)
    assert (tmp_path / "heatmap.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# ---- top contexts --------------------------------------------------------------------------------

def test_top_contexts_lists_the_strongest_in_order():
    rng = np.random.default_rng(0)
    acts = rng.standard_normal((300, 5))
    tokens = [f" t{i}" for i in range(300)]
    snippet = lessonkit.top_contexts(acts, tokens, neuron=2, k=7, window=3)
    rows = re.findall(r"<tr><td[^>]*>(\d+)</td><td[^>]*>([^<]+)</td><td[^>]*>(\d+)</td>", snippet._repr_html_())
    assert len(rows) == 7
    expected = sorted(range(300), key=lambda i: -acts[i, 2])[:7]  # a literal sort
    assert [int(index) for _, _, index in rows] == expected
    assert [float(value) for _, value, _ in rows] == pytest.approx(acts[expected, 2], rel=1e-3)
    # each context: the token and 3 either side, the token underlined
    first = snippet.html.split("<tr>")[2]
    i = expected[0]
    shown = re.findall(r'<span title="#(\d+)', first)
    assert [int(s) for s in shown] == list(range(max(0, i - 3), min(300, i + 4)))
    assert first.count("text-decoration:underline") == 1


def test_top_contexts_most_negative_and_nan():
    acts = np.array([[1.0], [np.nan], [-5.0], [3.0], [-1.0]])
    tokens = [" a", " b", "<c>", " d", "\n"]
    snippet = lessonkit.top_contexts(acts, tokens, neuron=0, k=10, window=1, largest=False)
    indices = [int(i) for i in re.findall(r"<tr><td[^>]*>\d+</td><td[^>]*>[^<]+</td><td[^>]*>(\d+)</td>", snippet.html)]
    assert indices == [2, 4, 0, 3]  # NaN left out, most negative first
    assert "<c>" not in snippet.html and "&lt;c&gt;" in snippet.html


def test_top_contexts_accepts_torch_and_checks_input():
    acts = torch.randn(20, 4)
    tokens = [f" t{i}" for i in range(20)]
    assert "Neuron 3" in lessonkit.top_contexts(acts, tokens, 3, k=2).html
    with pytest.raises(ValueError):
        lessonkit.top_contexts(acts, tokens, 4)
    with pytest.raises(ValueError):
        lessonkit.top_contexts(acts[:, 0], tokens, 0)
    with pytest.raises(ValueError):
        lessonkit.top_contexts(acts, tokens[:-1], 0)
    with pytest.raises(ValueError):
        lessonkit.top_contexts(acts, tokens, 0, k=0)


def test_notebooks_show_figures_and_html():
    """IPython's own formatter finds a PNG for the figure (even with no pyplot set-up) and the HTML."""
    from IPython.core.formatters import DisplayFormatter

    formatter = DisplayFormatter()
    figure, _ = formatter.format(lessonkit.token_heatmap(TOKENS, VALUES, backend="matplotlib"))
    assert figure["image/png"][:8] == b"\x89PNG\r\n\x1a\n"
    page, _ = formatter.format(lessonkit.token_heatmap(TOKENS, VALUES))
    assert page["text/html"].startswith('<div class="lessonkit-heatmap"')
    assert len(page["text/plain"]) < 100  # the plain repr does not dump the HTML
