"""Token heatmaps against the lecture's own formulas: Reds(a**2), alpha .8, 20 tokens a line."""

from __future__ import annotations

import re

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
import torch
from matplotlib import cm

import lessonkit
from lessonkit._machinery import heatmap_draw
from lessonkit.heatmap import NAN_COLOUR, NEWLINE_MARK, display_text, lecture_layout, token_colours, value_range

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


def lecture_rgba(values, low=None, high=None):
    """The lecture's cell, written out: a = (v - min) / (max - min), facecolor = Reds(a ** 2), alpha .8."""
    values = np.asarray(values, dtype=float)
    low = values.min() if low is None else low
    high = values.max() if high is None else high
    a = np.clip((values - low) / (high - low), 0, 1)
    rgba = cm.Reds(a**2)
    rgba[:, 3] = 0.8
    return rgba


def html_of(tokens, values, **options) -> str:
    snippet = lessonkit.token_heatmap(tokens, values, **options)
    assert snippet._repr_html_() == snippet.html == str(snippet)
    return snippet.html


def backgrounds(html_text: str) -> np.ndarray:
    """The background colour (RGBA, 0..1) of every token span, in order."""
    found = re.findall(r"background-color:rgba\((\d+),(\d+),(\d+),([0-9.]+)\)", html_text)
    return np.array([[int(r) / 255, int(g) / 255, int(b) / 255, float(a)] for r, g, b, a in found])


# ---- colours -------------------------------------------------------------------------------------

def test_colours_are_the_lectures_reds_at_a_squared():
    np.testing.assert_allclose(token_colours(VALUES), lecture_rgba(VALUES), atol=1e-12)


def test_the_scale_can_come_from_the_whole_batch_while_a_part_is_drawn():
    batch = np.random.default_rng(0).normal(size=1024)
    batch[700] = 5.0  # the batch's maximum is in the half that is not drawn
    low, high = value_range(batch)
    shown = token_colours(batch[:512], vmin=low, vmax=high)
    np.testing.assert_allclose(shown, lecture_rgba(batch, low, high)[:512], atol=1e-12)
    assert not np.allclose(shown, lecture_rgba(batch[:512]))  # scaling only what is shown differs


def test_html_uses_the_same_colours():
    np.testing.assert_allclose(backgrounds(html_of(TOKENS, VALUES)), lecture_rgba(VALUES), atol=1 / 255)


def test_fixed_range_makes_two_texts_comparable_and_clips():
    train, heldout = np.array([0.0, 1.0, 2.0]), np.array([1.0, 4.0, -1.0])
    vmin, vmax = value_range(train, heldout)
    assert (vmin, vmax) == (-1.0, 4.0)
    a, b = token_colours(train, vmin=vmin, vmax=vmax), token_colours(heldout, vmin=vmin, vmax=vmax)
    np.testing.assert_array_equal(a[1], b[0])  # the same value, the same colour
    clipped = token_colours(np.array([-10.0, 10.0]), vmin=0, vmax=1)
    np.testing.assert_allclose(clipped, lecture_rgba([0.0, 1.0]))


def test_nan_is_grey_and_constant_is_the_palest():
    colours = token_colours(np.array([1.0, np.nan, 3.0]))
    np.testing.assert_array_equal(colours[1], NAN_COLOUR)
    np.testing.assert_allclose(token_colours(np.full(4, 7.0))[:, :3], np.tile(cm.Reds(0.0)[:3], (4, 1)))


def test_other_colour_maps_and_linear_scaling():
    a = (VALUES - VALUES.min()) / (VALUES.max() - VALUES.min())
    np.testing.assert_allclose(token_colours(VALUES, cmap="Blues", squared=False)[:, :3], cm.Blues(a)[:, :3])


# ---- the lecture's grid --------------------------------------------------------------------------

def test_layout_is_the_lectures_loop():
    rng = np.random.default_rng(0)
    texts = ["".join(rng.choice(list("ab "), size=rng.integers(1, 9))) for _ in range(75)]
    cell, gap = 7.2, 5.58
    # the lecture: x_pos += token_width + gap; after 20 tokens, a new line at x = 0
    expected, x_pos, line, count = [], 0.0, 0, 0
    for text in texts:
        expected.append((line, x_pos))
        x_pos += cell * len(text) + gap
        count += 1
        if count >= 20:
            line, x_pos, count = line + 1, 0.0, 0
    np.testing.assert_allclose(np.array(lecture_layout(texts, cell, gap)), np.array(expected))


def test_figure_puts_each_box_where_the_lecture_puts_its_token():
    rng = np.random.default_rng(1)
    tokens = [" " + "w" * int(n) for n in rng.integers(1, 8, size=45)]
    values = rng.normal(size=45)
    fig = lessonkit.token_heatmap(tokens, values, backend="matplotlib")
    boxes, letters = fig.axes[0].collections
    assert len(boxes.get_paths()) == 45
    np.testing.assert_allclose(boxes.get_facecolors(), lecture_rgba(values), atol=1e-6)
    cell = heatmap_draw.cell_width(12.0)
    assert cell == pytest.approx(0.6021 * 12, rel=1e-3)  # DejaVu Sans Mono: 1233 / 2048 of an em
    centres = np.array([(p.vertices[:, 0].min() + p.vertices[:, 0].max()) / 2 for p in boxes.get_paths()])
    rows = np.array([(p.vertices[:, 1].min() + p.vertices[:, 1].max()) / 2 for p in boxes.get_paths()])
    x_pos, expected = 0.0, []
    for i, token in enumerate(tokens):  # the lecture: centre = x_pos + token_width / 2
        if i % 20 == 0:
            x_pos = 0.0
        expected.append(x_pos + cell * len(token) / 2)
        x_pos += cell * len(token) + 0.01 * 7.75 * 72
    np.testing.assert_allclose(centres - centres[0], np.array(expected) - expected[0], atol=1e-6)
    line_step = 0.17 * 1.54 * 72  # .17 of the lecture's axes height, in points
    np.testing.assert_allclose(rows - rows[0], (np.arange(45) // 20) * line_step, atol=1e-6)
    widths = [p.vertices[:, 0].max() - p.vertices[:, 0].min() for p in boxes.get_paths()]
    np.testing.assert_allclose(widths, [cell * len(t) + 2 * 0.3 * 12 for t in tokens], atol=1e-6)  # pad .3
    assert len(letters.get_paths()[0].vertices) > sum(len(t.strip()) for t in tokens)  # every letter outlined


def test_figure_letters_are_black_and_inside_the_boxes():
    fig = lessonkit.token_heatmap(["MMMM", " WWW", "i"], [1.0, 2.0, 3.0], backend="matplotlib")
    boxes, letters = fig.axes[0].collections
    assert letters.get_facecolors()[0][:3] == pytest.approx((0, 0, 0))  # the lecture's default text colour
    xs = letters.get_paths()[0].vertices[:, 0]
    left = min(p.vertices[:, 0].min() for p in boxes.get_paths())
    right = max(p.vertices[:, 0].max() for p in boxes.get_paths())
    assert left <= xs.min() and xs.max() <= right


def test_newlines_and_tabs_are_marks_of_one_cell():
    assert display_text(" a\n\tb") == " a" + NEWLINE_MARK + "\u2192b"
    assert len(display_text("日本\u0301")) == 3  # wide and combining characters: one cell each
    # one character, one cell: the font draws "é" in one; a combining accent, a soft hyphen (both in the
    # font), a bell and a wide character would not take exactly one
    assert display_text("é e\u0301\xad\x07日") == "é e" + "\ufffd" * 4


def test_figure_highlight_frames_the_tagged_tokens():
    mask = np.array([t.strip()[:1].isupper() for t in TOKENS])
    fig = lessonkit.token_heatmap(TOKENS, VALUES, backend="matplotlib", highlight=mask)
    framed = fig.axes[0].collections[0].get_edgecolors()[:, 3] > 0
    assert framed.tolist() == mask.tolist()


def test_figure_too_tall_for_agg_says_what_to_do():
    with pytest.raises(ValueError, match="slice"):
        lessonkit.token_heatmap(["a"] * 20 * 2401, np.ones(20 * 2401), backend="matplotlib")


def test_figure_saves_as_png(tmp_path):
    fig = lessonkit.token_heatmap(TOKENS * 20, np.tile(VALUES, 20), backend="matplotlib", title="test")
    fig.savefig(tmp_path / "heatmap.png", dpi=72)
    assert (tmp_path / "heatmap.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# ---- HTML ----------------------------------------------------------------------------------------

def test_html_escapes_token_text():
    text = html_of(["<script>alert(1)</script>", ' "x" & y'], [1.0, 2.0])
    assert "<script>" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "&quot;x&quot; &amp; y" in text


def test_html_has_one_span_per_token_with_tooltip():
    text = html_of(TOKENS, VALUES)
    titles = re.findall(r'<span title="([^"]*)"', text)
    assert len(titles) == len(TOKENS) == len(backgrounds(text))
    assert titles[3] == "#3  &#x27; Paris&#x27;  value = 2.5"
    assert "white-space:pre-wrap" in text  # spaces kept


def test_html_dark_boxes_get_white_letters():
    text = html_of([" pale", " dark"], [0.0, 1.0])
    pale, dark = text.split("<span")[1:]
    assert "color:#fff" not in pale and "color:#fff" in dark


def test_html_newline_is_a_mark_and_a_line_break():
    text = html_of([" a", "\n", " b", "\n\n", "c"], [1.0, 2.0, 3.0, 4.0, 5.0])
    assert text.count(NEWLINE_MARK) == 3 and text.count(NEWLINE_MARK + "\n") == 3


def test_html_highlight_marks_the_tagged_tokens():
    mask = np.array([t.strip()[:1].isupper() for t in TOKENS])
    assert html_of(TOKENS, VALUES, highlight=mask).count("text-decoration:underline") == mask.sum() == 4


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
    (dict(token_texts=TOKENS, values=VALUES, vmin=2, vmax=1), ValueError),
    (dict(token_texts=TOKENS, values=VALUES, highlight=[True]), ValueError),
    (dict(token_texts=TOKENS, values=VALUES, cmap="no-such-map"), ValueError),
    (dict(token_texts=TOKENS, values=VALUES, tokens_per_line=0), ValueError),
])
def test_bad_input_gets_a_clear_error(bad, error):
    with pytest.raises(error):
        lessonkit.token_heatmap(**bad)


def test_bad_input_errors_say_what_was_wrong():
    with pytest.raises(ValueError, match=r"^values must be 1-D"):
        lessonkit.value_range(np.ones((3, 2)))
    with pytest.raises(TypeError, match=r"^values must be numbers"):
        lessonkit.token_heatmap(TOKENS[:2], ["a", "b"])
    with pytest.raises(TypeError, match=r"^token_texts must be decoded strings, found int 464"):
        lessonkit.token_heatmap([" a", 464], [1.0, 2.0])
    for per_line in (2.5, True, -1):
        with pytest.raises(ValueError, match="tokens_per_line must be a positive integer"):
            lessonkit.token_heatmap(TOKENS, VALUES, tokens_per_line=per_line)
    fig = lessonkit.token_heatmap(TOKENS[:3], VALUES[:3], backend="matplotlib", tokens_per_line=1)  # one token a line
    assert len({round(p.vertices[:, 1].min(), 3) for p in fig.axes[0].collections[0].get_paths()}) == 3


def caption(html_text: str) -> str:
    """The line under the heatmap that says how colours map to values (before the hover note)."""
    return re.search(r"colour: [^<]*?(?= ·|<)", html_text).group()


def test_the_caption_says_the_map_the_power_and_the_ends_of_the_scale():
    low, high = VALUES.min(), VALUES.max()
    assert caption(html_of(TOKENS, VALUES)) == (f"colour: Reds at a², a = min-max scaled value; "
                                                 f"palest = {low:.3g}, darkest = {high:.3g}")
    assert caption(html_of(TOKENS, VALUES, cmap="Blues", squared=False, vmin=-1.0, vmax=5.0)) == (
        "colour: Blues at a, a = min-max scaled value; palest = -1, darkest = 5")
    assert "palest = -1, darkest = 3" in caption(html_of(TOKENS, VALUES, vmin=-1.0))
    assert "palest = -2, darkest = 9" in caption(html_of(TOKENS, VALUES, vmax=9.0))
    nothing = np.full(len(TOKENS), np.nan)
    assert caption(html_of(TOKENS, nothing)) == "colour: no finite values to scale"
    assert caption(html_of(TOKENS, nothing, vmin=0.0)) == "colour: no finite values to scale"
    assert "palest = 0, darkest = 1" in caption(html_of(TOKENS, nothing, vmin=0.0, vmax=1.0))


def test_the_heatmap_draws_linear_colours_when_asked():
    a = (VALUES - VALUES.min()) / (VALUES.max() - VALUES.min())
    np.testing.assert_allclose(backgrounds(html_of(TOKENS, VALUES, squared=False))[:, :3], cm.Reds(a)[:, :3], atol=0.5 / 255)


# ---- top contexts --------------------------------------------------------------------------------

def context_rows(html_text):
    return re.findall(r"<tr><td[^>]*>(\d+)</td><td[^>]*>([^<]+)</td><td[^>]*>(\d+)</td>", html_text)


def test_top_contexts_lists_the_strongest_in_order():
    rng = np.random.default_rng(0)
    acts = rng.standard_normal((300, 5))
    tokens = [f" t{i}" for i in range(300)]
    snippet = lessonkit.top_contexts(acts, tokens, neuron=2, k=7, window=3)
    rows = context_rows(snippet._repr_html_())
    expected = sorted(range(300), key=lambda i: -acts[i, 2])[:7]  # a literal sort
    assert [int(index) for _, _, index in rows] == expected
    assert [float(value) for _, value, _ in rows] == pytest.approx(acts[expected, 2], rel=1e-3)
    first = snippet.html.split("<tr>")[2]
    i = expected[0]
    shown = re.findall(r'<span title="#(\d+)', first)
    assert [int(s) for s in shown] == list(range(max(0, i - 3), min(300, i + 4)))
    assert first.count("text-decoration:underline") == 1


def test_top_contexts_most_negative_and_nan():
    acts = np.array([[1.0], [np.nan], [-5.0], [3.0], [-1.0]])
    tokens = [" a", " b", "<c>", " d", "\n"]
    snippet = lessonkit.top_contexts(acts, tokens, neuron=0, k=10, window=1, largest=False)
    assert [int(i) for _, _, i in context_rows(snippet.html)] == [2, 4, 0, 3]  # NaN left out, most negative first
    assert "<c>" not in snippet.html and "&lt;c&gt;" in snippet.html


def test_top_contexts_defaults_ties_and_one_scale():
    """Ten rows, eight tokens either side; equal values in text order; every row on one colour scale."""
    acts = np.zeros((60, 2))
    acts[::3, 1] = 2.0  # twenty tokens share the top value
    tokens = [f" t{i}" for i in range(60)]
    snippet = lessonkit.top_contexts(acts, tokens, neuron=1)
    assert [int(i) for _, _, i in context_rows(snippet.html)] == list(range(0, 30, 3))
    assert "Neuron 1: the 10 strongest activations" in snippet.html
    row = snippet.html.split("<tr>")[5]  # the fourth context: token 9
    assert [int(t) for t in re.findall(r'<span title="#(\d+)', row)] == list(range(1, 18))
    assert "the 10 most negative activations" in lessonkit.top_contexts(acts, tokens, 1, largest=False).html
    scaled = lessonkit.top_contexts(acts, tokens, neuron=1, k=1, window=0, vmin=-2.0, vmax=4.0)
    np.testing.assert_allclose(backgrounds(scaled.html), lecture_rgba([2.0], -2.0, 4.0), atol=0.5 / 255)
    single = lessonkit.top_contexts(acts, tokens, neuron=1, k=1, window=0)  # the smallest settings
    assert len(context_rows(single.html)) == 1 and len(re.findall(r"<span title=", single.html)) == 1
    for bad in (dict(k=1.5), dict(window=-1), dict(window=2.0)):
        with pytest.raises(ValueError, match="k must be an integer >= 1 and window an integer >= 0"):
            lessonkit.top_contexts(acts, tokens, 1, **bad)


def test_top_contexts_accepts_torch_and_checks_input():
    acts = torch.randn(20, 4)
    tokens = [f" t{i}" for i in range(20)]
    assert "Neuron 3" in lessonkit.top_contexts(acts, tokens, 3, k=2).html
    for bad in (dict(neuron=4), dict(neuron=0, k=0)):
        with pytest.raises(ValueError):
            lessonkit.top_contexts(acts, tokens, **bad)
    with pytest.raises(ValueError):
        lessonkit.top_contexts(acts[:, 0], tokens, 0)
    with pytest.raises(ValueError):
        lessonkit.top_contexts(acts, tokens[:-1], 0)


def test_notebooks_show_figures_and_html():
    """IPython's own formatter finds a PNG for the figure (even with no pyplot set-up) and the HTML."""
    from IPython.core.formatters import DisplayFormatter

    formatter = DisplayFormatter()
    figure, _ = formatter.format(lessonkit.token_heatmap(TOKENS, VALUES, backend="matplotlib"))
    assert figure["image/png"][:8] == b"\x89PNG\r\n\x1a\n"
    page, _ = formatter.format(lessonkit.token_heatmap(TOKENS, VALUES))
    assert page["text/html"].startswith('<div class="lessonkit-heatmap"')
    assert len(page["text/plain"]) < 100  # the plain repr does not dump the HTML


# ---- token texts for display ---------------------------------------------------------------------

def test_token_texts_name_the_pieces_of_split_characters(gpt2_tokenizer):
    text = "Du Fu ( Chinese : 杜甫 ) 😀 café"
    ids = gpt2_tokenizer(text, add_special_tokens=False)["input_ids"]
    decoded = [gpt2_tokenizer.decode([i]) for i in ids]
    shown = lessonkit.token_texts(ids, gpt2_tokenizer)
    assert "\ufffd" in "".join(decoded) and "\ufffd" not in "".join(shown)
    whole = [t for t, d in zip(shown, decoded) if "\ufffd" not in d]
    assert whole == [d for d in decoded if "\ufffd" not in d]  # whole tokens are exactly the decoded ones
    pieces = [t for t, d in zip(shown, decoded) if "\ufffd" in d]
    assert "".join(c for t in pieces for c in t if not "₀" <= c <= "₉").replace(" ", "") == "杜杜杜甫甫😀😀"
    assert [c for t in pieces for c in t if "₀" <= c <= "₉"] == list("₁₂₃₁₂₁₂")


def test_values_beyond_vmax_are_clipped_to_the_darkest_colour():
    values = np.array([-4.0, 0.0, 2.5, 5.0, 9.0, 50.0])
    expected = np.clip((values - 0.0) / (5.0 - 0.0), 0.0, 1.0)  # the lecture's min-max formula, clipped
    np.testing.assert_array_equal(lessonkit.heatmap.min_max_scale(values, vmin=0.0, vmax=5.0), expected)
    with pytest.raises(ValueError, match="^values must be 1-D"):
        lessonkit.heatmap.min_max_scale(np.ones((2, 3)))


@pytest.mark.parametrize("backend", ["html", "matplotlib"])
def test_the_title_and_the_caption_are_shown(backend):
    shown = lessonkit.token_heatmap(TOKENS, VALUES, backend=backend, title="layer 18, neuron 123")
    if backend == "html":
        assert "layer 18, neuron 123" in shown.html and "colour: Reds at a²" in shown.html
    else:
        texts = [text.get_text() for text in shown.findobj(matplotlib.text.Text)]
        assert "layer 18, neuron 123" in texts
        assert any(text.startswith("colour: Reds at a²") for text in texts)
