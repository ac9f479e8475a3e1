"""What the lecture's rooms stand on: private helpers, each beside the room it serves.

A student reads the rooms (``lessonkit/hooks.py``, ``tagging.py``, ...); nothing here is needed to
follow the lecture. Each module is tested against the readable version in its room.

    mlp_sites        hooks      where each architecture keeps its MLP neurons; the guards of a recorded pass
    token_text       text, tagging   token ids in, text out: decoded pieces, characters to tokens
    tagging_fast     tagging    the lecture's rule, vectorised (the same tags as ``lecture_rule_loop``)
    heatmap_draw     heatmap    the lecture's heatmap drawn fast: one collection of boxes, one path of letters
    heatmap_html     heatmap    the HTML heatmap: escaped spans with hover tooltips
    explorer_inputs  explorer   checks and shapes of the explorer's inputs
    display          models     Markdown in a notebook, and ``show_code`` (lessonkit's own code, in class)
    arrays           (all)      the one place where activations, labels and p-values become numpy arrays
"""
