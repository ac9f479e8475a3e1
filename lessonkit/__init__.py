"""lessonkit: the helpers of the lecture "Proper noun tuning in GPT2-medium".

One module per idea of the lecture:

    models      load the model and its tokenizer (online: gpt2-medium; offline: SmolLM2-135M)
    text        the lecture's WikiText-2 selection as one token stream
    hooks       record MLP neuron activations with forward hooks that never leak
    tagging     the lecture's proper-noun rule, a better word-aware rule, and their scores
    regression  one logistic regression per neuron, for all neurons at once
    heatmap     monospace token heatmaps (HTML with hover, and the lecture's matplotlib look)
    plots       the lecture's beta / -log(p) figure and a per-layer profile
    widgets     NeuronExplorer: layer and neuron sliders over cached activations
    checks      checks for the exercises

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
    # text
    "load_wikitext_rows": "text",
    "load_wikitext_tokens": "text",
    "select_lecture_rows": "text",
    "load_bundled_corpus": "text",
    # hooks
    "record_mlp": "hooks",
    "capture_mlp": "hooks",
    "remove_lessonkit_hooks": "hooks",
    "count_hooks": "hooks",
    "mlp_site_modules": "hooks",
    # tagging
    "tag_proper_nouns": "tagging",
    "score_tagger": "tagging",
    "show_tagged": "tagging",
    "load_gold_labels": "tagging",
    # regression
    "fit_logit": "regression",
    "LogitResult": "regression",
    "balanced_sample": "regression",
    "bonferroni": "regression",
    "benjamini_hochberg": "regression",
    "auroc": "regression",
    "scan_layers": "regression",
    "top_neurons": "regression",
    # heatmap and plots
    "token_heatmap": "heatmap",
    "top_contexts": "heatmap",
    "value_range": "heatmap",
    "plot_classifier_results": "plots",
    "plot_layer_profile": "plots",
    # widgets
    "NeuronExplorer": "widgets",
    # the atlas
    "scan_atlas": "atlas",
}

_MODULES = ("assets", "models", "text", "hooks", "tagging", "regression", "heatmap", "plots", "widgets", "checks", "atlas")

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
