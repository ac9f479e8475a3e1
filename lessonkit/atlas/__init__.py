"""The neuron atlas: the lecture's question asked of every neuron of a model over a whole corpus.

``python -m lessonkit scan`` (or ``lessonkit.scan_atlas(model, tokenizer, out)``) streams a text
through the model in the lecture's 1,024-token passes and writes a report: a static HTML site, a
CSV of every neuron, figures, a Markdown summary. Memory does not grow with the text.

    scan     scan_atlas: the passes, the neuron table, the report (the whole story, in order)
    state    AtlasState: a fixed-size, exactly mergeable summary of every neuron (sums, histograms,
             top contexts, reservoir samples per class)
    io       the text sources, the stream of passes, checkpoints (--resume), atomic output files
    report   index.html, a page per top neuron, neurons.csv, PNG figures, summary.md
    cli      the command line: one-line errors, before any model is loaded

Importing this package is cheap (the command line starts quickly); ``scan_atlas`` loads the rest.
"""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    if name == "scan_atlas":  # lessonkit.atlas.scan_atlas, without importing torch for the command line
        from .scan import scan_atlas

        return scan_atlas
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
