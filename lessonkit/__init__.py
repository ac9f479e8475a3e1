"""lessonkit: the helpers of the lecture "Proper noun tuning in GPT2-medium", one room per idea.

The lecture's rooms are the modules at the top of this folder, each readable in class (its core
fits on a screen). The lecture, step by step, and where each step lives:

    1  the model and its tokenizer          models      load_model, model_card, mlp_shape
    2  hooks on the MLP neurons             hooks       record_mlp (MlpRecorder), capture_mlp, count_hooks
    3  the text: WikiText-2, one stream     text        load_wikitext_tokens, token_texts, split_by_article
    4  tagging proper nouns                 tagging     lecture_rule_loop, tag_proper_nouns (every rule's door)
    5  the first 1,024 tokens               hooks       record_mlp / capture_mlp ([tokens, neurons] per layer),
                                                        run_up_to_layer (a pass that ends after one layer)
    6-7 one regression per neuron           regression  fit_logit, balanced_sample, bonferroni, auroc, scan_layers
    8  the beta / -log(p) figure            plots       plot_classifier_results, plot_layer_profile
    9  the strongest neurons                regression  top_neurons
    10 the heatmap over the text            heatmap     token_heatmap, value_range, top_contexts
    11 the next 1,024 tokens                (the same rooms, on new text)
    the neuron explorer                     explorer    NeuronStats (numbers, no widgets)
                                            widgets     NeuronExplorer (sliders over NeuronStats; a box for your own text)

Everything else has a folder of its own:

    beyond/      what a researcher asks next (notebooks 02 and 03):
        beyond.word_rule    a better rule: tag_words (per word, with evidence from the whole text)
        beyond.gold         how good a rule is: score_tagger, load_gold_labels (hand-made labels)
        beyond.controls     something simpler? is_capitalised, feature_auroc, auroc_within, position_profile
        beyond.uncertainty  how sure? auroc_ci, block_bootstrap_auroc, rank_in_null, standardized_effect, ...
        beyond.ablation     does the model use it? ablate_mlp, next_token_losses, ablation_effects
        beyond.readout      what it writes: promoted_tokens
        beyond.pages        a Neuroscope-style page: neuron_page
        beyond.probes       one neuron or many? sparse_probes
    atlas/       every neuron of a model over a whole corpus: scan_atlas, `python -m lessonkit scan`
    checks/      the exercises' checks: check_* with one-line hints
        checks.grading      a class's exercise notebooks, graded: grade_class, `python -m lessonkit grade`
    fast/        the statistics of thousands of neurons at once: numba and torch paths behind one door
    offline/     the stand-ins that run the lecture without the Hugging Face Hub
    _machinery/  the rooms' private helpers: where MLP neurons sit, token text, fast drawing, input checks;
        _machinery.memory   what a notebook cost: peak_memory (peak RAM and GPU memory of this process)
    data/        a small corpus written for this project, and its gold labels

One vocabulary throughout: ``acts[layer]`` is a ``[tokens, neurons]`` tensor, so ``acts[18][:, 33]``
is neuron 33 of layer 18, one value per token. ``lessonkit.show_code(...)`` shows any of it in class.

``import lessonkit`` is cheap: each name below is imported from its module on first use, so
``lessonkit.load_model`` is ``lessonkit.models.load_model`` and ``lessonkit.ablate_mlp`` is
``lessonkit.beyond.ablation.ablate_mlp``.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS: dict[str, str] = {
    # models
    "load_model": "models",
    "pick_device": "models",
    "mlp_shape": "models",
    "KNOWN_MODELS": "models",
    "model_card": "models",
    "show_code": "_machinery.display",
    "peak_memory": "_machinery.memory",
    # text
    "load_wikitext_rows": "text",
    "load_wikitext_tokens": "text",
    "select_lecture_rows": "text",
    "load_bundled_corpus": "text",
    "token_texts": "text",
    "wikitext_articles": "text",
    "split_by_article": "text",
    # hooks
    "record_mlp": "hooks",
    "capture_mlp": "hooks",
    "run_up_to_layer": "hooks",
    "remove_lessonkit_hooks": "hooks",
    "count_hooks": "hooks",
    "mlp_site_modules": "hooks",
    # tagging, word_rule, gold
    "tag_proper_nouns": "tagging",
    "lecture_rule_loop": "tagging",
    "show_tagged": "tagging",
    "tag_words": "beyond.word_rule",
    "score_tagger": "beyond.gold",
    "load_gold_labels": "beyond.gold",
    "TaggerScore": "beyond.gold",
    "GoldRow": "beyond.gold",
    # regression
    "fit_logit": "regression",
    "LogitResult": "regression",
    "balanced_sample": "regression",
    "bonferroni": "regression",
    "benjamini_hochberg": "regression",
    "auroc": "regression",
    "scan_layers": "regression",
    "top_neurons": "regression",
    "auroc_direction": "regression",
    "stats_backend": "regression",
    # heatmap and plots
    "token_heatmap": "heatmap",
    "top_contexts": "heatmap",
    "value_range": "heatmap",
    "plot_classifier_results": "plots",
    "plot_layer_profile": "plots",
    # the explorer: statistics, and the sliders over them
    "NeuronStats": "explorer",
    "NeuronExplorer": "widgets",
    # is it really a proper-noun neuron? controls, uncertainty, ablation
    "ablate_mlp": "beyond.ablation",
    "next_token_losses": "beyond.ablation",
    "ablation_effects": "beyond.ablation",
    "is_capitalised": "beyond.controls",
    "is_sentence_start": "beyond.controls",
    "feature_auroc": "beyond.controls",
    "auroc_within": "beyond.controls",
    "token_identity_scores": "beyond.controls",
    "position_profile": "beyond.controls",
    "auroc_ci": "beyond.uncertainty",
    "standardized_effect": "beyond.uncertainty",
    "permutation_null": "beyond.uncertainty",
    "block_bootstrap_auroc": "beyond.uncertainty",
    "rank_in_null": "beyond.uncertainty",
    "significance_by_seed": "beyond.uncertainty",
    "promoted_tokens": "beyond.readout",
    "sparse_probes": "beyond.probes",
    "neuron_page": "beyond.pages",
    "token_classes": "beyond.pages",
    # the atlas: every neuron of a model over a whole corpus, streaming (python -m lessonkit scan)
    "scan_atlas": "atlas.scan",
    # grading a class's exercise notebooks (python -m lessonkit grade)
    "grade_class": "checks.grading",
}

_MODULES = ("offline", "models", "text", "hooks", "tagging", "regression", "heatmap", "plots",
            "explorer", "widgets", "checks", "beyond", "atlas")
# modules that lived at the top of lessonkit before it had folders: lk.assets still finds offline/assets.py
_MOVED = {"assets": "offline.assets", "grading": "checks.grading", **{name: f"beyond.{name}" for name in (
    "word_rule", "gold", "controls", "uncertainty", "ablation", "readout", "pages", "probes")}}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _MODULES:  # lessonkit.hooks and friends, without importing them all up front
        return importlib.import_module(f".{name}", __name__)
    if name in _MOVED:
        return importlib.import_module(f".{_MOVED[name]}", __name__)
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'lessonkit' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # next time, no lookup
    return value


def __dir__() -> list[str]:
    return sorted(list(globals()) + __all__)
