"""The neuron atlas: every neuron of a model over a whole corpus, one page per interesting neuron.

The lecture looks at one layer over 1,024 tokens. ``lessonkit scan`` asks the same question of every
chosen layer over a whole text, like Neuroscope, without ever holding the activations of the text:

1. The text is tokenized row by row and cut into the lecture's passes of 1,024 tokens; a pass never
   sees another pass's tokens (the last pass may be shorter). Every 5th pass (``heldout_share=0.2``)
   is held out: pass p is held out when floor((p+1) * share) > floor(p * share).
2. Each token gets a class: proper noun (the rule's tag; the rule sees the pass before as context),
   other capitalised (first non-space character upper case), or lower case and other.
3. One forward pass per pass, recorded with :func:`lessonkit.record_mlp`; the pass stops after the
   last chosen layer. An :class:`~lessonkit.atlas.state.AtlasState` takes the activations and keeps,
   per neuron, a bounded summary: sums and histograms per class, the top contexts, and a reservoir
   sample of tokens per class (memory does not grow with the text).
4. :func:`neuron_table` turns the state into one row per neuron: means by class, the lecture's
   regression on a balanced sample (all proper nouns up to ``sample``, as many other tokens), the
   AUROC, the held-out AUROC, and the AUROC *within capitalised tokens* (proper nouns against other
   capitalised words: does the neuron know more than "capital letter"?).
5. The report: ``index.html`` (layer profile, top neurons), a page per top neuron, ``neurons.csv``,
   PNG figures and ``summary.md``, in ``out``; ``atlas.json`` is written last and marks it complete.

Memory: the state is allocated once, at the start (``AtlasState.bytes_for``): about 32 KB per neuron
with ``sample=1000`` -- 48 MB for one SmolLM2 layer, 1.5 GB for all 30, 3.1 GB for gpt2-medium's
98,304 neurons; ``sample`` is most of it (a merge holds two states). Interrupted (Ctrl-C, a crash)? ``--resume`` continues from
the last checkpoint (every ``checkpoint_every`` passes) and gives the same report.

Command line (see ``python -m lessonkit scan --help``)::

    python -m lessonkit scan --model smollm2-135m --layers 18 --out atlas
    python -m lessonkit scan --model gpt2-medium --layers all --text wikitext --out atlas --resume

Several GPUs (or machines): start one process per GPU with ``torchrun``; each process scans every
world-th pass on ``cuda:LOCAL_RANK``, and the states merge exactly at the end over
``torch.distributed`` (gloo, on the CPU), so the report equals a one-process run; rank 0 writes it::

    torchrun --standalone --nproc_per_node 4 -m lessonkit scan --model gpt2-medium --layers all \\
        --text wikitext --batch 8 --out atlas

``accelerate launch`` sets the same variables (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR/PORT) and
should work alike (tested here: torchrun, on the CPU). On several machines ``--out`` must be a
folder all of them see (each process keeps its own checkpoint there); resume with the same number
of processes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import torch

from . import io
from .io import parse_layers
from .report import write_report
from .state import CAPITALISED, HELDOUT, OTHER, PROPER, TRAIN, AtlasState
from .._machinery.mlp_sites import stop_after
from .._machinery.token_text import decoded_pieces
from ..beyond.controls import is_capitalised
from ..hooks import mlp_site_modules, record_mlp
from ..models import mlp_shape
from ..regression import auroc, bonferroni, fit_logit
from ..tagging import tag_proper_nouns


@dataclass(frozen=True)
class ScanSettings:
    """What a scan reads and keeps. ``layers``: "all", "18", "0-5,18"; ``sample``: reservoir tokens per
    class and split; ``contexts``: top contexts per neuron; ``top``: neurons with a page per ranking;
    ``batch``: passes per forward call (more is faster on a GPU)."""

    model_name: str | None = None
    text: str = "lecture"
    layers: str = "all"
    rule: str = "lecture"
    site: str = "pre"
    max_tokens: int | None = None
    pass_tokens: int = 1024
    heldout_share: float = 0.2
    sample: int = 1000
    contexts: int = 10
    top: int = 20
    seed: int = 0
    batch: int = 1
    checkpoint_every: int = 20


def scan_atlas(model: Any, tokenizer: Any, out: str | Path, *, resume: bool = False, overwrite: bool = False,
               progress: bool = True, **settings: Any) -> Path | None:  # fmt: skip
    """Scan the text with ``model`` and write the atlas report into ``out``; returns ``out`` (on rank 0).

    ``settings``: the fields of :class:`ScanSettings`. Under ``torchrun`` every process calls this;
    each scans its share of the passes and rank 0 writes the report (the others return None).
    """
    settings = ScanSettings(**settings)
    run = io.ScanRun(model, tokenizer, settings, out, resume=resume, overwrite=overwrite)  # checks, then folders
    if run.complete:
        return run.folder
    state = run.start_state(parse_layers(settings.layers, mlp_shape(model)[0]))
    with run.progress_bar(enabled=progress) as bar:
        for batch in run.own_batches(state, bar):  # this process's passes, not yet in a checkpoint
            acts = run_passes(model, [one.ids for one in batch], state.layers, settings.site)
            for i, one in enumerate(batch):
                classes, capitalised = token_classes(one.ids, one.previous, tokenizer, settings.rule)
                split = HELDOUT if is_heldout(one.index, settings.heldout_share) else TRAIN
                state.add_pass(one.start, one.ids, classes, capitalised, split, {k: v[i] for k, v in acts.items()})
            run.passes_done(state, batch)  # a checkpoint every ``checkpoint_every`` passes
    state = run.merge(state)  # the sum of every process's state, on rank 0 (None elsewhere)
    if state is not None:
        write_report(run.folder, state, neuron_table(state), model, tokenizer, asdict(settings))
        run.finish()
        return run.folder
    return None


def run_passes(model: Any, passes: list[np.ndarray], layers: list[int], site: str) -> dict[int, torch.Tensor]:
    """Run passes of equal length as one batch; ``{layer: [passes, tokens, neurons]}`` on the CPU.

    The forward pass stops (by an exception from a hook) once the last chosen layer is recorded:
    the layers after it, and the unembedding, would change nothing here.
    """
    ids = torch.as_tensor(np.stack(passes)).to(next(model.parameters()).device)
    last = mlp_site_modules(model, max(layers), site)[max(layers)]
    with record_mlp(model, layers, site=site) as acts:
        with stop_after(last), torch.inference_mode():
            model(input_ids=ids, use_cache=False)
        # recorded where the model runs (no copy during the pass), then one copy each to the CPU
        return {layer: acts[layer].reshape(len(passes), ids.shape[1], -1).to("cpu", copy=True) for layer in layers}


def token_classes(ids: np.ndarray, previous: np.ndarray, tokenizer: Any, rule: str) -> tuple[np.ndarray, np.ndarray]:
    """(class per token, capitalised per token). The rule sees the previous pass too, so the lecture's
    rule tags exactly as on the whole stream. Capitalised: the first non-space character is upper case."""
    tags = tag_proper_nouns(np.concatenate([previous, ids]), tokenizer, rule=rule)[len(previous) :]
    capitalised = is_capitalised(decoded_pieces(ids, tokenizer)["text"][ids])  # each id decoded once per tokenizer
    classes = np.where(tags == 1, PROPER, np.where(capitalised, CAPITALISED, OTHER))
    return classes.astype(np.int8), capitalised


def is_heldout(pass_index: int, share: float) -> bool:
    """Is this pass held out? Exactly ``share`` of the passes, spread evenly: every 5th for 0.2."""
    share = Fraction(str(share))
    return (pass_index + 1) * share // 1 > pass_index * share // 1


def neuron_table(state: AtlasState):
    """One row per neuron, as ``neurons.csv`` holds it (a pandas DataFrame).

    Means and sds use every token. The regression (:func:`lessonkit.fit_logit`) uses the training
    sample: ``m`` proper nouns and ``m`` other tokens, those with the smallest keys (``m``: the smaller
    class, at most ``sample``). Each AUROC (:func:`lessonkit.auroc`) uses a split's reservoirs: exact
    over all of the split's tokens while each class fits in ``sample``, a uniform random sample beyond;
    ``heldout_auroc_se`` is its standard error (Hanley & McNeil 1982). ``capitalised_auroc``: proper
    nouns that are capitalised against other capitalised tokens. ``significant``: the lecture's
    Bonferroni threshold, .05 / neurons of the layer. One layer at a time, to keep memory small.
    """
    import pandas as pd

    counts, mean, sd = state.means_and_sds()
    layers = []
    for layer, neurons in state.layer_slices().items():
        table = pd.DataFrame({"layer": layer, "neuron": np.arange(neurons.stop - neurons.start)})
        for c, name in ((PROPER, "proper"), (CAPITALISED, "capitalised"), (OTHER, "other")):
            table[f"mean_{name}"], table[f"sd_{name}"] = mean[c, neurons], sd[c, neurons]
        for split, prefix in ((TRAIN, ""), (HELDOUT, "heldout_")):
            nouns, others = state.sample(split, (PROPER,), neurons), state.sample(split, (CAPITALISED, OTHER), neurons)
            capital_others = state.sample(split, (CAPITALISED,), neurons)
            table[prefix + "auroc"] = _auroc(nouns.values, others.values)
            table[prefix + "capitalised_auroc"] = _auroc(nouns.values[nouns.capitalised], capital_others.values)
            if split == HELDOUT:  # standard errors, from the numbers of tokens each AUROC compares
                table["heldout_auroc_se"] = hanley_mcneil_se(table.heldout_auroc.to_numpy(), len(nouns.index), len(others.index))
                table["heldout_capitalised_auroc_se"] = hanley_mcneil_se(
                    table.heldout_capitalised_auroc.to_numpy(), int(nouns.capitalised.sum()), len(capital_others.index))
            else:  # the lecture's regression on a balanced training sample
                m = min(len(nouns.index), len(others.index))
                if m >= 2:
                    fit = fit_logit(np.concatenate([nouns.values[:m], others.values[:m]]), np.r_[np.ones(m), np.zeros(m)])
                    table["beta"], table["se"], table["pvalue"] = fit.beta, fit.se, fit.pvalue
                    table["significant"] = bonferroni(fit.pvalue)
        layers.append(table)
    table = pd.concat(layers, ignore_index=True)
    table.attrs.update(tokens=counts.tolist(), n_regression=2 * m, chance_auroc=0.5)
    return table


def hanley_mcneil_se(area: np.ndarray, n_positive: int, n_negative: int) -> np.ndarray:
    """Standard error of an AUROC from n_positive and n_negative tokens (Hanley & McNeil 1982)."""
    q1, q2 = area / (2 - area), 2 * area**2 / (1 + area)
    with np.errstate(invalid="ignore", divide="ignore"):
        variance = (area * (1 - area) + (n_positive - 1) * (q1 - area**2) + (n_negative - 1) * (q2 - area**2)) / (n_positive * n_negative)
    return np.sqrt(np.maximum(variance, 0.0))


def _auroc(positives: np.ndarray, negatives: np.ndarray) -> np.ndarray:
    """Each neuron's AUROC of positives against negatives; NaN when either side is empty."""
    if not len(positives) or not len(negatives):
        return np.full(positives.shape[1], np.nan)
    return auroc(np.concatenate([positives, negatives]), np.r_[np.ones(len(positives)), np.zeros(len(negatives))])
