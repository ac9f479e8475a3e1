"""The explorer's statistics, without widgets: everything the neuron explorer shows, for any code to use.

:class:`NeuronStats` holds activations captured once (a training text and, optionally, a held-out
text), the token texts and the proper-noun labels. For any layer and neuron it gives the lecture's
statistics -- :func:`lessonkit.scan_layers` for that layer, computed the first time and then cached --
a one-line summary, the layer's top neurons, the token heatmap and the top contexts. No forward
pass ever runs here, so each answer takes milliseconds: that is what makes a slider in front of a
class feel instant. The sliders themselves are :class:`lessonkit.NeuronExplorer` (``widgets.py``).

    stats = lessonkit.NeuronStats(acts, token_texts, labels, heldout=(acts2, token_texts2, labels2), seed=42)
    stats.summary_line(18, 123)            # beta, p, Bonferroni, AUROC on both texts
    stats.top_neurons(18, by="AUROC")      # the layer's strongest neurons
    stats.heatmap(18, 123, batch="heldout")
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ._explorer_inputs import (SITES, check_index, check_same_shape, stats_tables, text_batch,
                               unpack_heldout)
from .heatmap import token_heatmap, top_contexts, value_range
from .regression import auroc_direction

BATCHES = {"train": "training text", "heldout": "held-out text"}
RANKINGS = ("beta +", "beta -", "AUROC", "activation")  # how the "top neurons" list is ordered
RANKING_NAMES = {"beta +": "beta, largest", "beta -": "beta, most negative", "AUROC": "AUROC, farthest from 0.5",
                 "activation": "largest activation"}  # each ranking uses the training text only


class NeuronStats:
    """Per-layer statistics, summaries and heatmaps over activations captured once.

    acts: ``{layer: [n_tokens, neurons]}`` (what :func:`capture_mlp` returns), or ``{"pre": {...},
        "post": {...}}`` for both sites. token_texts: ``lessonkit.token_texts(ids, tokenizer)``.
    labels: 0/1 per token (1 = proper noun); without them, heatmaps only.
    heldout: the next text, ``(acts, token_texts)`` or ``(acts, token_texts, labels)``.
    stats: precomputed :func:`scan_layers` tables (one, or ``{site: table}``).
    top_k: how many top neurons to list. seed, alpha: as in :func:`scan_layers` (pass the notebook's
        seed: the same sample gives the same numbers). skip_first: leave each text's first token out
        of the colour scale -- the first position of a forward pass is an outlier in many neurons.
    """

    def __init__(self, acts: Mapping, token_texts: Sequence[str], labels: Any = None, *, heldout: Any = None,
                 stats: Any = None, top_k: int = 10, seed: int | None = 42, alpha: float = 0.05,
                 skip_first: bool = True) -> None:
        self.batches = {"train": text_batch(acts, token_texts, labels, "acts")}
        if heldout is not None:
            self.batches["heldout"] = text_batch(*unpack_heldout(heldout), "heldout")
        train = self.batches["train"].acts
        self.sites = [site for site in SITES if site in train]
        self.layers = sorted(train[self.sites[0]])
        self.neurons = {layer: train[self.sites[0]][layer].shape[1] for layer in self.layers}
        check_same_shape(self.batches, self.sites, self.layers, self.neurons)
        if isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1:
            raise ValueError(f"top_k must be a positive number of neurons, got {top_k!r}.")
        self.top_k, self.seed, self.alpha, self.skip_first = top_k, seed, alpha, bool(skip_first)
        self._tables = stats_tables(stats, self.sites, self.neurons) if stats is not None else {}

    @classmethod
    def from_model(cls, model: Any, tokenizer: Any, tokens: Any, *, layers: Any = None,
                   sites: Sequence[str] = ("pre",), n_tokens: int = 1024, rule: str = "lecture",
                   dtype: Any = None, progress: bool = True, **options: Any) -> "NeuronStats":
        """The lecture's set-up: the first ``n_tokens`` of the stream for training, the next ones held out.

        As in the lecture's step 11 the held-out tokens follow the training tokens, so in WikiText they
        come from the same article; for a held-out text from other articles build the two texts with
        :func:`lessonkit.split_by_article` and pass them to the constructor (as notebook 02 does).

        Tags the whole stream with ``rule``, captures ``layers`` (None: all) at each of ``sites`` for
        both texts (one forward pass per text and site; hooks removed afterwards). Memory: layers x
        neurons x 2 x ``n_tokens`` x 4 bytes per site (gpt2-medium, all layers: about 800 MB).
        """
        import torch

        from .hooks import capture_mlp
        from .tagging import as_token_ids, tag_proper_nouns
        from .text import token_texts

        if isinstance(n_tokens, bool) or not isinstance(n_tokens, int) or n_tokens < 1:
            raise ValueError(f"n_tokens must be a positive number of tokens, got {n_tokens!r}.")
        if isinstance(sites, str) or not sites or any(site not in SITES for site in sites):
            raise ValueError(f"sites must be a list drawn from {SITES}, e.g. ('pre', 'post'); got {sites!r}.")
        ids = as_token_ids(tokens)[: 2 * n_tokens]
        labels, texts = tag_proper_nouns(ids, tokenizer, rule=rule), token_texts(ids, tokenizer)
        parts = {"train": slice(0, n_tokens), "heldout": slice(n_tokens, len(ids))}
        if len(ids) <= n_tokens:
            del parts["heldout"]

        def capture(part: slice) -> dict[str, Any]:
            stream = torch.as_tensor(ids[part])
            return {site: capture_mlp(model, stream, layers, site=site, dtype=dtype or torch.float32,
                                      progress=progress) for site in sites}

        batches = {name: (capture(part), texts[part], labels[part]) for name, part in parts.items()}
        return cls(*batches["train"], heldout=batches.get("heldout"), **options)

    # ---------------------------------------------------------------- statistics

    def stats(self, layer: int, site: str | None = None) -> Any:
        """The :func:`scan_layers` table of one layer (computed on first use, then cached)."""
        site, layer = self.check_site(site), self.check_layer(layer)
        if (site, layer) not in self._tables:
            from .regression import scan_layers

            train, heldout = self.batches["train"], self.batches.get("heldout")
            if train.labels is None:
                raise ValueError("No labels were given: pass labels= (0/1 per token) for statistics.")
            held = None
            if heldout is not None and heldout.labels is not None:
                held = ({layer: heldout.acts[site][layer]}, heldout.labels)
            self._tables[site, layer] = scan_layers({layer: train.acts[site][layer]}, train.labels, heldout=held,
                                                    seed=self.seed, alpha=self.alpha)
        return self._tables[site, layer]

    def top_neurons(self, layer: int, by: str = "beta +", site: str | None = None) -> list[int]:
        """The layer's ``top_k`` neurons: largest beta ("beta +"), smallest ("beta -"), AUROC farthest
        from chance in either direction ("AUROC"), or largest activation ("activation") -- always on
        the training text; the held-out text never takes part in a choice."""
        site = self.check_site(site)
        if by == "activation":
            strongest = np.nanmax(self.batches["train"].acts[site][self.check_layer(layer)], axis=0)
            return np.argsort(-strongest, kind="stable")[: self.top_k].tolist()
        if by not in RANKINGS:
            raise ValueError(f"by must be one of {RANKINGS}, got {by!r}.")
        table = self.stats(layer, site)
        if by == "AUROC":
            return (table["auroc"] - 0.5).abs().nlargest(self.top_k).index.tolist()
        pick = table["beta"].nlargest if by == "beta +" else table["beta"].nsmallest
        return pick(self.top_k).index.tolist()

    def top_labels(self, layer: int, by: str = "beta +", site: str | None = None) -> dict[int, str]:
        """``top_neurons`` with a short description of each: ``{neuron: "beta +4.74, AUROC 0.784"}``."""
        site = self.check_site(site)
        if by == "activation":
            column = np.nanmax(self.batches["train"].acts[site][self.check_layer(layer)], axis=0)
            return {n: f"max activation {column[n]:.3g}" for n in self.top_neurons(layer, by, site)}
        table = self.stats(layer, site)
        return {n: f"beta {table['beta'][n]:+.3g}, AUROC {table['auroc'][n]:.3f} ({auroc_direction(table['auroc'][n])})"
                for n in self.top_neurons(layer, by, site)}

    def summary_line(self, layer: int, neuron: int, site: str | None = None) -> str:
        """One line of HTML: layer, neuron, beta, p, Bonferroni significance, AUROC (training, held-out)."""
        site = self.check_site(site)
        head = f"<b>layer {layer}, neuron {neuron}</b> ({site})"
        if self.batches["train"].labels is None:
            return f"<div>{head} · no labels given, so no statistics (pass labels=0/1 per token)</div>"
        row = self.stats(layer, site).iloc[neuron]
        verdict = "significant" if row["significant"] else "not significant"
        p_value = f"p = {row['pvalue']:.3g}" if np.isfinite(row["pvalue"]) else "p = n/a (separated or constant: no test)"
        aurocs = f"AUROC, proper nouns above: {row['auroc']:.3f} (training)"
        if "heldout_auroc" in row:
            aurocs += f", {row['heldout_auroc']:.3f} (held-out)"
        parts = [head, f"beta = {row['beta']:+.4g}", p_value, f"{verdict} at p &lt; .05/{self.neurons[layer]:,} (Bonferroni)",
                 f"{aurocs}; chance 0.5", f"it {auroc_direction(row['auroc'])} on proper nouns (training text)"]
        return "<div>" + " · ".join(parts) + "</div>"

    # ---------------------------------------------------------------- pictures

    def heatmap(self, layer: int, neuron: int, *, site: str | None = None, batch: str = "train",
                backend: str = "html") -> Any:
        """The neuron's token heatmap on one text; one colour scale for both texts (first tokens left out)."""
        site, text = self.check_site(site), self.batches[batch]
        vmin, vmax = value_range(self.neuron_values(layer, neuron, site)[0])
        title = f"layer {layer}, neuron {neuron} ({site}) on the {BATCHES[batch]}"
        if text.labels is not None:  # the HTML heatmap underlines marked tokens; the matplotlib one outlines their boxes
            title += f" -- proper nouns (the tagger's) {'underlined' if backend == 'html' else 'outlined'}"
        return token_heatmap(text.tokens, text.acts[site][layer][:, neuron], backend=backend, vmin=vmin, vmax=vmax,
                             highlight=text.labels, title=title)

    def neuron_values(self, layer: int, neuron: int, site: str | None = None) -> tuple[np.ndarray, np.ndarray | None]:
        """The neuron's values on every text, one after the other, and their labels (None without labels):
        what sets its colour scale (each text's first token left out with ``skip_first``)."""
        site, first = self.check_site(site), 1 if self.skip_first else 0
        texts = list(self.batches.values())
        values = np.concatenate([text.acts[site][layer][first:, neuron] for text in texts])
        labelled = all(text.labels is not None for text in texts)
        return values, np.concatenate([text.labels[first:] for text in texts]) if labelled else None

    def contexts(self, layer: int, neuron: int, *, site: str | None = None, batch: str = "train") -> Any:
        """The neuron's ten strongest activations on one text, each in its context."""
        text = self.batches[batch]
        return top_contexts(text.acts[self.check_site(site)][layer], text.tokens, neuron, k=10)

    # ---------------------------------------------------------------- checks

    def check_site(self, site: str | None) -> str:
        """``site``, or the first one captured when None."""
        if site is None:
            return self.sites[0]
        if site not in self.sites:
            raise ValueError(f"site must be one of {self.sites} (the sites captured), got {site!r}.")
        return site

    def check_layer(self, layer: Any) -> int:
        layer = check_index(layer, None, "layer")
        if layer not in self.neurons:
            raise ValueError(f"layer {layer} was not captured; captured layers: {self.layers}.")
        return layer

    def check_neuron(self, layer: int, neuron: Any) -> int:
        return check_index(neuron, self.neurons[self.check_layer(layer)], f"neuron (layer {layer})")
