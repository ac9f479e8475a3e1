"""What every exercise check needs: a one-line hint, and the student's answer as plain numbers.

A check's case code raises :func:`fail` with what went wrong and a hint; ``checks._report`` turns
that into the one line a student sees. Hints say what is wrong and what to do, never the answer.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._machinery.arrays import as_numpy


def fail(what: str, hint: str) -> None:
    """Stop the check: ``what`` happened; ``hint`` says what to do (one line each, no answer in it)."""
    raise AssertionError(f"{what} Hint: {hint}")


def numbers(answer: Any, what: str) -> np.ndarray:
    """The student's answer as a float array (numpy, list or torch tensor), or a hint if it is not numbers."""
    if answer is None:
        fail(f"Your function returned nothing (None) for {what}.", "end it with `return ...`.")
    try:
        array = np.asarray(as_numpy(answer), dtype=float)
    except (TypeError, ValueError):
        fail(f"Your function returned a {type(answer).__name__} for {what}.", "return numbers (a numpy array, list or tensor).")
    return array


def number(answer: Any, what: str) -> float:
    """One float from the student's answer (a Python number, numpy scalar or one-element tensor)."""
    array = numbers(answer, what)
    if array.size != 1:
        fail(f"Your function returned {array.size} numbers for {what}.", "return one number.")
    return float(array.reshape(()))


def same(a: Any, b: Any, *, rtol: float = 1e-6, atol: float = 1e-9) -> bool:
    """The same numbers (shape and values, NaN equal to NaN)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=True))


def true_or_false(answer: Any, p: np.ndarray, what: str, instead: str) -> np.ndarray:
    """The student's answer as one True/False per p-value, or a hint: wrong shape, or other numbers
    (adjusted p-values, what ``multipletests(...)[1]`` returns); ``instead`` says what to return."""
    answer = numbers(answer, what)
    if answer.shape != p.shape:
        fail(f"Your function returned shape {answer.shape} for {len(p)} p-values.", "return one True/False per p-value.")
    if not np.isin(answer, (0.0, 1.0)).all():
        fail("Your function returned numbers other than True/False (adjusted p-values?).",
             f"return one True/False per p-value: {instead}")
    return answer.astype(bool)


def short(values: Any, k: int = 6) -> str:
    """A few values of an array for a hint: ``[0.1, 0.2, ...] (40 values)``."""
    flat = np.asarray(values).reshape(-1)
    shown = ", ".join(f"{v:.4g}" if isinstance(v, (float, np.floating)) else str(v) for v in flat[:k].tolist())
    return f"[{shown}{', ...' if flat.size > k else ''}]" + (f" ({flat.size} values)" if flat.size > k else "")
