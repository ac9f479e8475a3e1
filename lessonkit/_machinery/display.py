"""Small things a notebook displays: Markdown text, and the source code of lessonkit's own functions."""

from __future__ import annotations

import inspect
import textwrap
from typing import Any


class Markdown:
    """Text that a notebook shows as Markdown (and a console as plain text)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def _repr_markdown_(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return self.text


def show_code(*objects: Any) -> Markdown:
    """The source of functions, methods or classes, to read in class: ``lk.show_code(lk.hooks.MlpRecorder)``.

    lessonkit is part of what the lecture teaches: each idea's code is short enough to show.
    """
    if not objects:
        raise ValueError("show_code needs at least one function, method or class.")
    blocks = []
    for obj in objects:
        try:
            source = inspect.getsource(obj)
        except (TypeError, OSError) as error:
            raise TypeError(f"show_code cannot find the source of {obj!r}: pass a function, method or class.") from error
        blocks.append(f"```python\n{textwrap.dedent(source).rstrip()}\n```")
    return Markdown("\n\n".join(blocks))
