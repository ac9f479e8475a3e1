"""lessonkit: the helpers of the lecture "Proper noun tuning in GPT2-medium", one room per idea.

The lecture, step by step, and where each step lives (each room's core fits on a screen; its speed
machinery sits beside it in a private ``_module``):

    1  the model and its tokenizer          models      load_model, model_card, mlp_shape
    2  hooks on the MLP neurons             hooks       record_mlp (MlpRecorder), capture_mlp, count_hooks
    3  the text: WikiText-2, one stream     text        load_wikitext_tokens, token_texts, split_by_article
    4  tagging proper nouns                 tagging     lecture_rule_loop, tag_proper_nouns (every rule's door)
                                            word_rule   a better rule: per word, with evidence from the whole text
                                            gold        hand-made gold labels; score_tagger (precision, recall, F1)
    5  the first 1,024 tokens               hooks       record_mlp / capture_mlp ([tokens, neurons] per layer),
                                                        run_up_to_layer (a pass that ends after one layer)
    6-7 one regression per neuron           regression  fit_logit, balanced_sample, bonferroni, auroc, scan_layers
    8  the beta / -log(p) figure            plots       plot_classifier_results, plot_layer_profile
    9  the strongest neurons                regression  top_neurons
    10 the heatmap over the text            heatmap     token_heatmap, value_range, top_contexts
    11 the next 1,024 tokens                (the same rooms, on new text)
    beyond: the explorer                    explorer    NeuronStats (numbers, no widgets)
                                            widgets     NeuronExplorer (sliders over NeuronStats; a box for your own text)
    is it really a proper-noun neuron?      controls    is_capitalised, feature_auroc, auroc_within, position_profile
                                            uncertainty auroc_ci, block_bootstrap_auroc, rank_in_null, standardized_effect, ...
                                            ablation    ablate_mlp, next_token_losses, ablation_effects
                                            readout     promoted_tokens (what a neuron writes)
                                            pages       neuron_page (Neuroscope-style)
                                            probes      sparse_probes (one neuron or many?)
    a whole corpus, every neuron            atlas       scan_atlas, `python -m lessonkit scan` (streaming report)
    exercises                               checks      check_* with one-line hints
    grading a class's exercises             grading     grade_class, `python -m lessonkit grade` (CSV, HTML summary)
    what a notebook cost                    _memory     peak_memory (peak RAM and GPU memory of this process)

One vocabulary throughout: ``acts[layer]`` is a ``[tokens, neurons]`` tensor, so ``acts[18][:, 33]``
is neuron 33 of layer 18, one value per token. ``lessonkit.show_code(...)`` shows any of it in class.

``import lessonkit`` is cheap: each name below is imported from its module on first use, so
``lessonkit.load_model`` is ``lessonkit.models.load_model``.
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
    "show_code": "_display",
    "peak_memory": "_memory",
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
    "tag_words": "word_rule",
    "score_tagger": "gold",
    "load_gold_labels": "gold",
    "TaggerScore": "gold",
    "GoldRow": "gold",
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
    "ablate_mlp": "ablation",
    "next_token_losses": "ablation",
    "ablation_effects": "ablation",
    "is_capitalised": "controls",
    "is_sentence_start": "controls",
    "feature_auroc": "controls",
    "auroc_within": "controls",
    "token_identity_scores": "controls",
    "position_profile": "controls",
    "auroc_ci": "uncertainty",
    "standardized_effect": "uncertainty",
    "permutation_null": "uncertainty",
    "block_bootstrap_auroc": "uncertainty",
    "rank_in_null": "uncertainty",
    "significance_by_seed": "uncertainty",
    "promoted_tokens": "readout",
    "sparse_probes": "probes",
    "neuron_page": "pages",
    "token_classes": "pages",
    # the atlas: every neuron of a model over a whole corpus, streaming (python -m lessonkit scan)
    "scan_atlas": "atlas",
    # grading a class's exercise notebooks (python -m lessonkit grade)
    "grade_class": "grading",
}

_MODULES = ("assets", "models", "text", "hooks", "tagging", "word_rule", "gold", "regression", "heatmap", "plots",
            "explorer", "widgets", "checks", "controls", "uncertainty", "ablation", "readout", "probes", "pages",
            "atlas", "grading")

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _MODULES:  # lessonkit.hooks and friends, without importing them all up front
        return importlib.import_module(f".{name}", __name__)
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'lessonkit' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # next time, no lookup
    return value


def __dir__() -> list[str]:
    return sorted(list(globals()) + __all__)
