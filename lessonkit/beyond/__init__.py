"""Beyond the lecture: what a researcher asks next (notebooks 02 and 03).

Better labels than the lecture's rule (notebook 02):

    word_rule     a word-aware proper-noun rule, with evidence from the whole document (tag_words)
    gold          hand-made gold labels, and how well a rule scores against them (score_tagger)

Is it really a proper-noun neuron? (notebook 03):

    controls      simpler explanations: capitalisation, sentence starts, token identity, position
    uncertainty   intervals and nulls: DeLong, block bootstrap, shuffled labels, other samples
    ablation      does the model use it? switch neurons off and measure the next-token loss
                  (_ablation_batch: hundreds of ablations in one pass, the same numbers)
    readout       what a neuron writes: the next tokens it pushes up and down
    pages         a Neuroscope-style page per neuron
    probes        one neuron or many? sparse probes against the whole layer

And in the explorer (widgets.py): ``_your_text``, the box where anyone types a sentence.
Each name is also ``lessonkit.<name>`` (``lk.ablate_mlp``); ``lk.beyond.ablation`` is the module.
"""

from __future__ import annotations

import importlib
from types import ModuleType

_MODULES = ("word_rule", "gold", "controls", "uncertainty", "ablation", "readout", "pages", "probes")


def __getattr__(name: str) -> ModuleType:
    if name in _MODULES:  # lessonkit.beyond.ablation and friends, imported on first use
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
