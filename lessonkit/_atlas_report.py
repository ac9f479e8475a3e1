"""The atlas's report writers: a static HTML site, the CSV of every neuron, PNG figures, a Markdown summary.

Everything opens from disk with no network: plain HTML with inline CSS, PNG files beside it, token
heatmaps as inline spans (``lessonkit.token_heatmap``, hover a token for its value). The report is
first written into a staging folder inside ``out`` and then moved into place by
``_atlas_io.publish`` (pages and figures, then ``index.html``, then ``atlas.json`` last).
"""

from __future__ import annotations

import datetime
import html
import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ._atlas_state import CAPITALISED, CLASS_NAMES, HELDOUT, LARGEST, OTHER, PROPER, SMALLEST, AtlasState, decode_top_keys
from .heatmap import token_heatmap
from .plots import plot_layer_profile
from .readout import logit_effects
from .text import token_texts

CLASS_COLOURS = ("tab:red", "tab:blue", "0.45")
PROMOTED = 10  # tokens listed as promoted and as suppressed
STYLE = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:1100px;margin:1.5em auto;padding:0 1em;color:#222}
h1{font-size:1.5em} h2{font-size:1.2em;margin-top:1.6em} table{border-collapse:collapse;font-size:.9em}
td,th{padding:3px 8px;border-bottom:1px solid #ddd;text-align:right} th{background:#f4f4f4}
td:first-child{white-space:nowrap}
td.l,th.l{text-align:left} .note{color:#555;font-size:.9em} img{max-width:100%}
.context{margin:.3em 0 .8em 0} code{background:#f4f4f4;padding:0 3px}
"""


# ---------------------------------------------------------------- the whole report


def write_report(folder: Path, state: AtlasState, table: Any, model: Any, tokenizer: Any, settings: dict) -> None:
    """Write the report for ``state`` into ``folder`` (staged, then published; ``atlas.json`` last)."""
    from ._atlas_io import publish

    for left_over in folder.glob(".staging-*"):  # from a report that was interrupted while being written
        shutil.rmtree(left_over, ignore_errors=True)
    staging = folder / f".staging-{os.getpid()}"
    (staging / "figures").mkdir(parents=True)
    (staging / "neurons").mkdir()
    table = add_ranking_columns(table, state, tokenizer)
    by_training, by_capitalised = chosen_neurons(table, settings["top"])
    facts = run_facts(state, table, settings)
    for row in table.loc[sorted(set(by_training) | set(by_capitalised))].itertuples():
        write_neuron_page(staging / "neurons", row, state, table, model, tokenizer)
    _save(layer_profile_figure(table), staging / "figures" / "layer_profile.png")
    _save(capitalised_profile_figure(table, facts), staging / "figures" / "capitalised_profile.png")
    table.drop(columns=["training_separation", "training_capitalised_separation"]).to_csv(staging / "neurons.csv", index=False)
    (staging / "summary.md").write_text(markdown_summary(table, by_training, by_capitalised, facts), encoding="utf-8")
    (staging / "index.html").write_text(index_page(table, by_training, by_capitalised, facts), encoding="utf-8")
    order = ["figures", "neurons", "neurons.csv", "summary.md", "index.html"]  # index after what it links to
    publish(staging, folder, order, {"complete": True, "settings": settings, **facts})


def add_ranking_columns(table: Any, state: AtlasState, tokenizer: Any) -> Any:
    """Add each neuron's largest activation and its token, and what the rankings use: each training
    AUROC's distance from chance (a neuron that fires *less* on proper nouns counts as much). The
    held-out AUROCs never take part in a choice: they are shown beside the neurons chosen on training."""
    table = table.copy()
    centre = state.meta["before"]
    for end, name, sign in ((LARGEST, "max", 1), (SMALLEST, "min", -1)):
        values, _ = decode_top_keys(state.top_key[end, 0])
        filled = state.top_key[end, 0] != np.iinfo(np.int64).min
        table[f"{name}_activation"] = np.where(filled, sign * values, np.nan)
        table[f"{name}_token"] = [tokenizer.decode([int(t)]) if ok else "" for t, ok in zip(state.top_ids[end, 0, :, centre], filled)]
    for column, distance in (("auroc", "training_separation"), ("capitalised_auroc", "training_capitalised_separation")):
        table[distance] = (table[column] - 0.5).abs()
    table.attrs["ranked_by"] = "training"
    return table


def chosen_neurons(table: Any, top: int) -> tuple[list[int], list[int]]:
    """Row numbers of the ``top`` neurons by training AUROC and by training AUROC within capitalised
    tokens, each by its distance from chance (NaN last; ties by layer and neuron). Chosen on the
    training passes alone: the held-out passes only check the choice."""
    def best(column: str) -> list[int]:
        ranked = table.sort_values([column, "layer", "neuron"], ascending=[False, True, True], na_position="last")
        return [int(i) for i in ranked.index[:top] if np.isfinite(table.at[i, column])]

    return best("training_separation"), best("training_capitalised_separation")


def run_facts(state: AtlasState, table: Any, settings: dict) -> dict:
    """Counts and baselines that the index, the summary and ``atlas.json`` report."""
    counts = state.counts
    held_nouns = state.sample(HELDOUT, (PROPER,), slice(0, 0))  # which are capitalised; no values needed
    others = counts[HELDOUT, CAPITALISED] + counts[HELDOUT, OTHER]
    baseline = None
    if len(held_nouns.index) and others:  # AUROC of the one feature "starts with a capital letter"
        hit, false_alarm = held_nouns.capitalised.mean(), counts[HELDOUT, CAPITALISED] / others
        baseline = float(0.5 * (1 + hit - false_alarm))
    return {
        "model": state.meta["model"], "text": state.meta["text"], "layers": [int(k) for k in state.layers],
        "neurons": int(len(table)), "tokens": int(state.progress["tokens"]), "passes": int(state.progress["passes"]),
        "tokens_by_split_and_class": {split: dict(zip(CLASS_NAMES, map(int, counts[i])))
                                      for i, split in enumerate(("training", "held-out"))},
        "regression_sample": int(table.attrs.get("n_regression", 0)),
        "capital_letter_baseline_heldout_auroc": baseline,
        "processes": int(state.meta.get("world", 1)),
        "ranked_by": table.attrs.get("ranked_by", "training"),
        "finished": datetime.datetime.now().isoformat(timespec="seconds"),
    }  # fmt: skip


# ---------------------------------------------------------------- figures


def _figure(**options: Any) -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(**options)
    FigureCanvasAgg(fig)
    return fig


def _save(fig: Any, path: Path) -> None:
    fig.savefig(path, dpi=90)


def layer_profile_figure(table: Any) -> Any:
    """lessonkit's layer profile (significant neurons, best AUROC and its held-out AUROC per layer)."""
    profile = table[["layer", "auroc", "heldout_auroc"]].copy()
    profile["significant"] = table["significant"] if "significant" in table else False
    return plot_layer_profile(profile, title="Neurons that predict the proper-noun tags, by layer (atlas)")


def capitalised_profile_figure(table: Any, facts: dict) -> Any:
    """Per layer, the neuron chosen on the training passes (AUROC farthest from chance) and its held-out
    AUROC; the same within capitalised tokens. Each turned to the neuron's training direction."""
    fig = _figure(figsize=(10, 3.6), layout="constrained")
    ax = fig.subplots()
    for chosen_by, column, style, colour, label in (
            ("training_separation", "auroc", "o-", "tab:red", "all tokens"),
            ("training_capitalised_separation", "capitalised_auroc", "s--", "tab:blue", "within capitalised tokens")):
        best = table.loc[table.groupby("layer")[chosen_by].idxmax().dropna().astype(int)]
        turned = np.where(best[column] >= 0.5, best["heldout_" + column], 1 - best["heldout_" + column])
        ax.plot(best["layer"], turned, style, color=colour, label=f"{label}: held-out AUROC of the layer's best training neuron")
    if facts["capital_letter_baseline_heldout_auroc"] is not None:
        ax.axhline(facts["capital_letter_baseline_heldout_auroc"], color="tab:orange", ls="-.",
                   label="'starts with a capital letter' (one feature)")  # fmt: skip
    ax.axhline(0.5, color="0.4", ls=":", label="chance (0.5)")
    ax.set(xlabel="layer", ylabel="held-out AUROC\n(1 - AUROC where it fires less)", ylim=(0.45, 1.0),
           title="Proper nouns, or capital letters? (neurons chosen on the training passes)")
    ax.legend(loc="lower right", fontsize=8)
    return fig


def histogram_figure(state: AtlasState, column: int, title: str) -> Any:
    """The neuron's activations by class, as densities (each class's area is 1). The fixed bins are
    narrow near zero; for the picture, neighbours are joined until each bin is 1/60 of the range wide."""
    fig = _figure(figsize=(7, 2.8), layout="constrained")
    ax = fig.subplots()
    counts = state.hist[:, column, :].astype(np.float64)  # [class, bin]
    step = state.edges[-1] / state.edges[-2]
    edges = np.concatenate([[state.edges[0] * step], state.edges, [state.edges[-1] * step]]).astype(np.float64)
    used = np.flatnonzero(counts.sum(0))
    if len(used):
        edges, counts = _joined_bins(edges[used[0] : used[-1] + 2], counts[:, used[0] : used[-1] + 1])
        for c in (OTHER, CAPITALISED, PROPER):
            total = counts[c].sum()
            if total:
                ax.stairs(counts[c] / total / np.diff(edges), edges, color=CLASS_COLOURS[c], lw=1.5,
                          label=f"{CLASS_NAMES[c]} ({int(total):,})")  # fmt: skip
        ax.legend(fontsize=8)
    ax.set(xlabel="activation", ylabel="density", title=title)
    return fig


def _joined_bins(edges: np.ndarray, counts: np.ndarray, pieces: int = 60) -> tuple[np.ndarray, np.ndarray]:
    """Join neighbouring bins until each is at least (range / pieces) wide (the last may be narrower)."""
    width = (edges[-1] - edges[0]) / pieces
    keep = [0]
    for i in range(1, len(edges) - 1):
        if edges[i] - edges[keep[-1]] >= width:
            keep.append(i)
    keep.append(len(edges) - 1)
    sums = np.add.reduceat(counts, keep[:-1], axis=1)
    return edges[keep], sums


# ---------------------------------------------------------------- neuron pages


def page_name(layer: int, neuron: int) -> str:
    return f"L{layer}_N{neuron}"


def write_neuron_page(pages: Path, row: Any, state: AtlasState, table: Any, model: Any, tokenizer: Any) -> None:
    """One neuron's page: its numbers, histograms by class, promoted tokens and top contexts."""
    column = int(row.Index)
    name = page_name(row.layer, row.neuron)
    _save(histogram_figure(state, column, f"layer {row.layer}, neuron {row.neuron}: activations by class"),
          pages / f"{name}.png")  # fmt: skip
    promoted, suppressed = promoted_tokens(model, tokenizer, row.layer, row.neuron)
    body = [f"<p><a href='../index.html'>&larr; atlas index</a></p><h1>Layer {row.layer}, neuron {row.neuron}</h1>",
            _numbers_table(row), f"<h2>Activations by class</h2><img src='{name}.png' alt='histograms'>",
            "<p class='note'>Every token of the text, both splits, counted in fixed bins (eight per doubling of the "
            "value); for the picture, bins near zero are joined.</p>",
            "<h2>What it writes: next tokens promoted and suppressed</h2>", _promoted_table(promoted, suppressed),
            "<h2>Top contexts</h2>", _contexts_html(state, column, tokenizer, row.auroc < 0.5)]  # fmt: skip
    (pages / f"{name}.html").write_text(_page(f"L{row.layer} N{row.neuron}", "\n".join(body)), encoding="utf-8")


def promoted_tokens(model: Any, tokenizer: Any, layer: int, neuron: int) -> tuple[list, list]:
    """The next tokens this neuron's output most raises and most lowers (:func:`lessonkit.readout.logit_effects`:
    its output weights, the final norm's gain, the unembedding), as ``(text, logit)`` pairs."""
    scores = logit_effects(model, layer, neuron)
    top, bottom = torch.topk(scores, PROMOTED), torch.topk(-scores, PROMOTED)
    def named(ids, values): return [(tokenizer.decode([int(i)]), float(v)) for i, v in zip(ids, values)]
    return named(top.indices, top.values), named(bottom.indices, -bottom.values)


def _numbers_table(row: Any) -> str:
    def f(value: Any, digits: int = 3) -> str:
        return "–" if value is None or (isinstance(value, float) and not np.isfinite(value)) else f"{value:.{digits}g}"

    def a(value: float, se: float | None = None) -> str:  # an AUROC, with its standard error
        text = f"{value:.3f}" if np.isfinite(value) else "–"
        return text + (f" ± {se:.3f}" if se is not None and np.isfinite(se) else "")

    classes = "".join(f"<tr><td class='l'>{label}</td><td>{f(getattr(row, 'mean_' + key))}</td>"
                      f"<td>{f(getattr(row, 'sd_' + key))}</td></tr>"
                      for key, label in (("proper", CLASS_NAMES[0]), ("capitalised", CLASS_NAMES[1]), ("other", CLASS_NAMES[2])))  # fmt: skip
    significant = getattr(row, "significant", None)
    stats = [("fires on proper nouns (training)", "more" if row.auroc >= 0.5 else "less"),
             ("AUROC, proper nouns above: training", a(row.auroc)),
             ("AUROC, proper nouns above: held-out", a(row.heldout_auroc, row.heldout_auroc_se)),
             ("AUROC within capitalised tokens, proper nouns above: training", a(row.capitalised_auroc)),
             ("AUROC within capitalised tokens, proper nouns above: held-out",
              a(row.heldout_capitalised_auroc, row.heldout_capitalised_auroc_se)),
             ("β (logistic regression, balanced training sample)", f(getattr(row, "beta", np.nan))),
             ("p-value", f(getattr(row, "pvalue", np.nan))),
             ("significant (p < .05 / neurons of the layer)", "–" if significant is None else "yes" if significant else "no"),
             ("largest activation, at the token", f"{f(row.max_activation)} at {html.escape(repr(row.max_token))}"),
             ("most negative activation, at the token", f"{f(row.min_activation)} at {html.escape(repr(row.min_token))}")]  # fmt: skip
    numbers = "".join(f"<tr><td class='l'>{label}</td><td>{value}</td></tr>" for label, value in stats)
    return (f"<table><tr><th class='l'>class</th><th>mean</th><th>sd</th></tr>{classes}</table><p></p>"
            f"<table>{numbers}</table><p class='note'>AUROC, proper nouns above: the chance that a proper noun's "
            "activation lies above another token's. Below 0.5 the neuron fires <em>less</em> on proper nouns; "
            "± is the standard error (Hanley &amp; McNeil).</p>")


def _promoted_table(promoted: list, suppressed: list) -> str:
    rows = "".join(f"<tr><td class='l'><code>{html.escape(repr(a))}</code></td><td>{va:+.3f}</td>"
                   f"<td class='l'><code>{html.escape(repr(b))}</code></td><td>{vb:+.3f}</td></tr>"
                   for (a, va), (b, vb) in zip(promoted, suppressed))  # fmt: skip
    return (f"<table><tr><th class='l'>promoted</th><th>logit</th><th class='l'>suppressed</th><th>logit</th></tr>{rows}</table>"
            "<p class='note'>Output weights × final-norm gain × unembedding, per unit of the neuron's "
            "value after the nonlinearity.</p>")


def _contexts_html(state: AtlasState, column: int, tokenizer: Any, fires_less: bool) -> str:
    """Both ends of the neuron's top contexts as token heatmaps, the end that goes with proper nouns first."""
    ends = [(SMALLEST, "Most negative activations"), (LARGEST, "Largest activations")]
    parts = []
    for end, heading in ends if fires_less else ends[::-1]:
        contexts = state.top_contexts(end, column)
        if not contexts:
            continue
        vmin = min(float(values.min()) for _, _, _, values, _ in contexts)
        vmax = max(float(values.max()) for _, _, _, values, _ in contexts)
        parts.append(f"<h3>{heading}</h3>")
        for rank, (value, where, ids, values, centre) in enumerate(contexts, start=1):
            mark = np.arange(len(ids)) == centre
            texts = token_texts(ids, tokenizer)
            title = f"#{rank}: {value:.4g} at token {where:,} of the text"
            cmap = "Blues_r" if end == SMALLEST else "Reds"  # the most negative value darkest
            heatmap = token_heatmap(texts, values, backend="html", vmin=vmin, vmax=vmax, highlight=mark, title=title,
                                    cmap=cmap)  # fmt: skip
            parts.append(f"<div class='context'>{heatmap.html}</div>")
    return ("<p class='note'>The strongest activations over the whole text; the token itself is underlined, shown "
            "with the tokens around it in its own pass (the model saw those before it, never another pass).</p>"
            + "".join(parts))


def _page(title: str, body: str) -> str:
    return (f"<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{STYLE}</style></head><body>\n{body}\n</body></html>\n")


# ---------------------------------------------------------------- index and summary


def _neuron_rows(table: Any, rows: list[int], link: bool) -> list[list[str]]:
    def f(value: float, digits: int = 3) -> str:
        return f"{value:.{digits}f}" if np.isfinite(value) else "–"

    lines = []
    for i in rows:
        r = table.loc[i]
        name = f"L{r.layer} N{r.neuron}"
        if link:
            name = f"<a href='neurons/{page_name(r.layer, r.neuron)}.html'>{name}</a>"
        token = repr(r.max_token)
        lines.append([name, "more" if r.auroc >= 0.5 else "less", f(r.auroc),
                      f"{f(r.heldout_auroc)} ± {f(r.heldout_auroc_se)}", f(r.capitalised_auroc),
                      f"{f(r.heldout_capitalised_auroc)} ± {f(r.heldout_capitalised_auroc_se)}",
                      f"{r.beta:.3g}" if "beta" in r and np.isfinite(r.beta) else "–",
                      ("yes" if r.significant else "no") if "significant" in r else "–", f(r.max_activation, 2),
                      html.escape(token) if link else token.replace("|", "\\|")])  # fmt: skip
    return lines


HEADER = ["neuron", "fires on proper nouns", "AUROC: training", "AUROC: held-out ± se", "within capitalised: training",
          "within capitalised: held-out ± se", "β", "significant", "max", "max token"]  # fmt: skip
AUROC_NOTE = ("AUROC, proper nouns above: the chance that a proper noun's activation lies above another token's "
              "(0.5 chance; below 0.5 the neuron fires less on proper nouns). Neurons are chosen by their training "
              "AUROC's distance from 0.5; the held-out AUROCs only check the choice.")


def _html_table(table: Any, rows: list[int]) -> str:
    head = "".join(f"<th>{h}</th>" for h in HEADER)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in line) + "</tr>" for line in _neuron_rows(table, rows, True))
    return f"<table><tr>{head}</tr>{body}</table>"


def _facts_html(facts: dict) -> str:
    counts = facts["tokens_by_split_and_class"]
    cells = "".join(f"<tr><td class='l'>{split}</td>" + "".join(f"<td>{n:,}</td>" for n in by_class.values()) + "</tr>"
                    for split, by_class in counts.items())  # fmt: skip
    head = "".join(f"<th>{name}</th>" for name in CLASS_NAMES)
    baseline = facts["capital_letter_baseline_heldout_auroc"]
    return (f"<p>{facts['model']} · text: {html.escape(str(facts['text']))} · {facts['tokens']:,} tokens in "
            f"{facts['passes']} passes · {facts['neurons']:,} neurons of layers {_layer_ranges(facts['layers'])} · "
            f"{facts['processes']} process(es)</p><table><tr><th class='l'>tokens</th>{head}</tr>{cells}</table>"
            + (f"<p>The single feature “starts with a capital letter” scores a held-out AUROC of <b>{baseline:.3f}</b> "
               "against these tags: a neuron must beat that, and keep an AUROC well above 0.5 <em>within</em> "
               "capitalised tokens, to be more than a capital-letter detector.</p>" if baseline is not None else ""))


def _layer_ranges(layers: list[int]) -> str:
    parts, start = [], None
    for i, layer in enumerate(layers):
        if start is None:
            start = layer
        if i + 1 == len(layers) or layers[i + 1] != layer + 1:
            parts.append(str(start) if start == layer else f"{start}-{layer}")
            start = None
    return ",".join(parts)


def index_page(table: Any, by_training: list[int], by_capitalised: list[int], facts: dict) -> str:
    warning = ("" if np.isfinite(table["heldout_auroc"]).any() else
               "<p><b>No held-out pass</b>: the text is too short, so the held-out columns are empty.</p>")
    body = ["<h1>Neuron atlas: proper nouns</h1>", _facts_html(facts), warning,
            "<h2>Where in the network</h2><img src='figures/layer_profile.png' alt='layer profile'>",
            "<img src='figures/capitalised_profile.png' alt='capitalised profile'>",
            "<h2>Top neurons by training AUROC</h2>", _html_table(table, by_training),
            "<h2>Top neurons by training AUROC within capitalised tokens</h2>",
            "<p class='note'>Proper nouns against other capitalised tokens (sentence starts, headings, “The”).</p>",
            _html_table(table, by_capitalised),
            "<h2>Files</h2><p><a href='neurons.csv'>neurons.csv</a> (every neuron) · <a href='summary.md'>summary.md</a> "
            "· <a href='atlas.json'>atlas.json</a> (settings; written last: the report is complete)</p>",
            f"<p class='note'>{AUROC_NOTE} AUROCs come from reservoir samples of each class: exact while a class "
            "has at most <code>--sample</code> tokens per split, an unbiased estimate beyond.</p>"]  # fmt: skip
    return _page("Neuron atlas", "\n".join(body))


def markdown_summary(table: Any, by_training: list[int], by_capitalised: list[int], facts: dict) -> str:
    def md_table(rows: list[int]) -> str:
        lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
        lines += ["| " + " | ".join(line) + " |" for line in _neuron_rows(table, rows, False)]
        return "\n".join(lines)

    counts = facts["tokens_by_split_and_class"]
    baseline = facts["capital_letter_baseline_heldout_auroc"]
    lines = [f"# Neuron atlas: {facts['model']}", "",
             f"Text: {facts['text']} · {facts['tokens']:,} tokens in {facts['passes']} passes · "
             f"{facts['neurons']:,} neurons (layers {_layer_ranges(facts['layers'])}) · "
             f"regression sample {facts['regression_sample']:,} tokens.", "",
             "| tokens | " + " | ".join(CLASS_NAMES) + " |", "|---|---|---|---|"]
    lines += [f"| {split} | " + " | ".join(f"{n:,}" for n in by_class.values()) + " |" for split, by_class in counts.items()]
    if not np.isfinite(table["heldout_auroc"]).any():
        lines += ["", "**No held-out pass**: the text is too short, so the held-out columns are empty."]
    if baseline is not None:
        lines += ["", f"Capital-letter baseline (held-out AUROC of 'starts with a capital'): {baseline:.3f}."]
    lines += ["", "## Top neurons by training AUROC", "", md_table(by_training), "",
              "## Top neurons by training AUROC within capitalised tokens", "", md_table(by_capitalised), "",
              AUROC_NOTE, "", "Every neuron: `neurons.csv`. Pages: `index.html`.", ""]  # fmt: skip
    return "\n".join(lines)
