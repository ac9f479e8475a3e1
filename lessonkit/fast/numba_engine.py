"""The numba path of ``lessonkit.regression``: fused per-neuron kernels, compiled on first use.

Installed with the optional extra ``lessonkit[fast]``. Importing this module imports numba; each
kernel compiles on its first call (about a second) and is cached on disk where numba's cache folder
is writable (silently uncached otherwise). Chunks of neurons run side by side on a thread pool (the
kernels release the GIL).

    fit           per neuron: each class's range and whether all values are finite (while a block
                  of neurons is copied neuron-major, in float64), then where the classes overlap,
                  statsmodels' Newton method: the sigmoid, the weights and the five sums of a step
                  in one pass over the samples
    auroc         Mann-Whitney U: a block of neurons sorted side by side by one sorting network (the
                  neurons are the vector lanes, labels travel with the values), then one pass that
                  counts, per tie group, the negatives below each positive

Same functions and results as ``torch_engine``; both are checked against ``lessonkit.regression``'s
readable versions, statsmodels and a literal AUROC loop in the tests.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
import functools
from typing import Callable

import numba
import numpy as np

# Reassociation lets the sums vectorise. No "nnan"/"ninf": exp may overflow to inf and must stay inf;
# no "nsz": with it, the freshly compiled and the cached kernel summed in different orders (last bits).
FASTMATH = {"reassoc", "contract", "arcp"}
FIT_BLOCK = 8  # neurons copied neuron-major at once (8 float32 = half a cache line)
LANES = 64  # neurons sorted side by side by the AUROC's sorting network (a constant: loops over it vectorise)
FIT_OUTPUTS = ("pos_min", "pos_max", "neg_min", "neg_max", "finite", "intercept", "beta", "var", "n_iter")


def _jit(function: Callable, **options) -> Callable:
    """numba.njit with the on-disk cache where numba can write it, and without it where it cannot."""
    options = dict(nogil=True, error_model="numpy", **options)
    try:
        return numba.njit(cache=True, **options)(function)
    except RuntimeError:  # "cannot cache function ...: no locator available": no writable cache folder
        return numba.njit(**options)(function)


# ------------------------------------------------------------------------------------------ the fit


def _exp(t):
    """e**t in plain arithmetic that vectorises (this numba build has no SVML vector exp).

    (e**(t / 2048))**2048: a degree-13 Taylor polynomial on |t / 2048| < 0.37, then 11 squarings.
    Relative error under 1e-12 (4e-13 at the ends of the normal range); overflows to inf and
    underflows to 0 where exp does. Nothing in it relies on rounding, so the fit's fastmath flags (it
    is inlined there) cannot spoil it.
    """
    r = min(max(t, -746.0), 710.0) * (1.0 / 2048.0)
    e = 1.0 / 6227020800.0
    for coefficient in (1.0 / 479001600.0, 1.0 / 39916800.0, 1.0 / 3628800.0, 1.0 / 362880.0, 1.0 / 40320.0,
                        1.0 / 5040.0, 1.0 / 720.0, 1.0 / 120.0, 1.0 / 24.0, 1.0 / 6.0, 0.5, 1.0, 1.0):  # fmt: skip
        e = e * r + coefficient
    for _ in range(11):
        e = e * e
    return e


def _sums(x, intercept, slope):
    """Sums over samples of p, p x, w, w x, w x^2 with p = sigmoid(intercept + slope x), w = p (1 - p)."""
    s_p = s_px = s_w = s_wx = s_wx2 = 0.0
    for i in range(len(x)):
        xi = x[i]
        p = 1.0 / (1.0 + _exp(-(intercept + slope * xi)))
        w = p * (1.0 - p)
        s_p += p
        s_px += p * xi
        s_w += w
        s_wx += w * xi
        s_wx2 += w * xi * xi
    return s_p, s_px, s_w, s_wx, s_wx2


def _moments(x, y):
    """Sums over samples of x, x^2 and y x: all the start needs, where p = 1/2 for every sample."""
    s_x = s_x2 = s_yx = 0.0
    for i in range(len(x)):
        s_x += x[i]
        s_x2 += x[i] * x[i]
        s_yx += y[i] * x[i]
    return s_x, s_x2, s_yx


def _newton_one(x, y, sum_y, maxiter, tol, ridge, out, j):
    """statsmodels' ``_fit_newton`` for one neuron; out[5:9, j] = intercept, slope, [H^-1]_11, steps."""
    n = len(x)
    s_x, s_x2, s_yx = _moments(x, y)
    a = b = 0.0
    done = False
    s_p, s_px, s_w, s_wx, s_wx2 = n / 2.0, s_x / 2.0, n / 4.0, s_x / 4.0, s_x2 / 4.0
    for step in range(maxiter + 1):
        if step > 0:
            s_p, s_px, s_w, s_wx, s_wx2 = _sums(x, a, b)
        if done or step == maxiter:  # like statsmodels: the Hessian at the final point, no ridge
            det = s_w * s_wx2 - s_wx * s_wx
            out[5, j], out[6, j], out[7, j], out[8, j] = a, b, (s_w / det if det > 0 else np.nan), step
            return
        h00, h01, h11 = s_w / n + ridge, s_wx / n, s_wx2 / n + ridge
        g0, g1 = (sum_y - s_p) / n, (s_yx - s_px) / n
        det = h00 * h11 - h01 * h01
        da, db = (h11 * g0 - h01 * g1) / det, (h00 * g1 - h01 * g0) / det
        a, b = a + da, b + db
        done = not (abs(da) > tol or abs(db) > tol)  # statsmodels goes on while some |step| > tol


def _fit_kernel(x, y, start, stop, maxiter, tol, ridge, out):
    """Neurons [start, stop) of x [samples, neurons]: each class's range, and where the classes
    overlap (else there is nothing to fit), the Newton fit. out rows: see ``FIT_OUTPUTS``."""
    n = x.shape[0]
    buffer = np.empty((FIT_BLOCK, n))
    sum_y = y.sum()
    for first in range(start, stop, FIT_BLOCK):
        last = min(first + FIT_BLOCK, stop)
        for j in range(first, last):
            out[0, j] = out[2, j] = np.inf  # pos_min, neg_min
            out[1, j] = out[3, j] = -np.inf  # pos_max, neg_max
            out[4, j] = 1.0  # finite
        for i in range(n):  # copy the block neuron-major, in float64, and take each class's range
            low = 0 if y[i] == 1.0 else 2
            high = low + 1
            for j in range(first, last):
                value = np.float64(x[i, j])
                buffer[j - first, i] = value
                out[low, j], out[high, j] = min(out[low, j], value), max(out[high, j], value)
                if not value - value == 0.0:  # NaN or +-inf
                    out[4, j] = 0.0
        for j in range(first, last):
            overlap = out[0, j] < out[3, j] and out[2, j] < out[1, j]  # not separated, not constant
            if overlap and out[4, j] == 1.0:
                _newton_one(buffer[j - first], y, sum_y, maxiter, tol, ridge, out, j)
            else:
                out[5, j] = out[6, j] = out[7, j] = np.nan
                out[8, j] = 0.0


# ------------------------------------------------------------------------------------------ the AUROC


def _compare_exchange(values, labels, low, high, count):
    """For t < count: the smaller of values[low + t] and values[high + t] to low, the larger to high."""
    v_low, v_high = values[low : low + count], values[high : high + count]
    l_low, l_high = labels[low : low + count], labels[high : high + count]
    for t in range(count):  # vector lanes: disjoint slices, no branches
        a, b, label_a, label_b = v_low[t], v_high[t], l_low[t], l_high[t]
        swap = a > b
        v_low[t], v_high[t] = (b if swap else a), (a if swap else b)
        l_low[t], l_high[t] = (label_b if swap else label_a), (label_a if swap else label_b)


def _bitonic_sort(values, labels, rows):
    """Sort each lane of values [rows, LANES] (flat; rows a power of two), labels travelling along.

    Bitonic merges of sorted runs of 1, 2, 4, ... rows: each merge compares rows ``gap`` apart for
    gap = size/2, size/4, ..., 1, the smaller value to the lower row (higher in descending runs).
    """
    size = 2
    while size <= rows:
        gap = size // 2
        while gap > 0:
            for start in range(0, rows, 2 * gap):
                low, high = start * LANES, (start + gap) * LANES
                if start & size == 0:  # ascending run
                    _compare_exchange(values, labels, low, high, gap * LANES)
                else:
                    _compare_exchange(values, labels, high, low, gap * LANES)
            gap //= 2
        size *= 2


def _twice_u(values, labels, n, out, first, valid):
    """Per lane of sorted values: 2 x (# negatives below each positive) + # ties, summed over positives."""
    total, negatives_below, group_pos, group_neg = np.zeros(LANES), np.zeros(LANES), np.zeros(LANES), np.zeros(LANES)
    previous = np.empty(LANES, dtype=values.dtype)  # the values' own type: the loop vectorises
    for lane in range(LANES):
        previous[lane] = -np.inf
    for i in range(n):
        for lane in range(LANES):
            value, label = values[i * LANES + lane], labels[i * LANES + lane]
            new_group = value != previous[lane]  # then the previous tie group is complete:
            closed = group_pos[lane] * (2.0 * negatives_below[lane] + group_neg[lane])  # (computed always: no branch)
            total[lane] += closed if new_group else 0.0
            negatives_below[lane] += group_neg[lane] if new_group else 0.0
            group_pos[lane] = (0.0 if new_group else group_pos[lane]) + label
            group_neg[lane] = (0.0 if new_group else group_neg[lane]) + (1.0 - label)
            previous[lane] = value
    for lane in range(valid):
        out[first + lane] = total[lane] + group_pos[lane] * (2.0 * negatives_below[lane] + group_neg[lane])


def _auroc_kernel(x, y, start, stop, twice_u, finite):
    """2 U (Mann-Whitney, ties half) of neurons [start, stop), LANES neurons per sort."""
    n = x.shape[0]
    rows = 1
    while rows < n:
        rows *= 2
    values, labels = np.empty(rows * LANES, dtype=x.dtype), np.empty(rows * LANES, dtype=np.uint8)
    check = np.empty(LANES)  # sum of (value - value): 0 while every value is finite, NaN after inf or NaN
    for first in range(start, stop, LANES):
        valid = min(LANES, stop - first)
        for i in range(n * LANES, rows * LANES):  # padding rows: +inf sorts after every finite value
            values[i], labels[i] = np.inf, 0
        for lane in range(LANES):
            check[lane] = 0.0
        for i in range(n):
            row, label, at = x[i, first : first + valid], y[i], i * LANES
            for lane in range(valid):
                values[at + lane], labels[at + lane] = row[lane], label
                check[lane] += row[lane] - row[lane]
            for lane in range(valid, LANES):  # padding lanes (the last block of a layer)
                values[at + lane], labels[at + lane] = np.inf, 0
        for lane in range(valid):
            finite[first + lane] = check[lane] == 0.0
        _bitonic_sort(values, labels, rows)
        _twice_u(values, labels, n, twice_u, first, valid)


_exp = _jit(_exp, inline="always")
_sums = _jit(_sums, inline="always")
_moments = _jit(_moments, inline="always")
_newton_one = _jit(_newton_one, fastmath=FASTMATH)
_fit_kernel = _jit(_fit_kernel)
_compare_exchange = _jit(_compare_exchange)
_bitonic_sort = _jit(_bitonic_sort)
_twice_u = _jit(_twice_u)
_auroc_kernel = _jit(_auroc_kernel)


# ------------------------------------------------------------------------------------------ drivers


def default_threads() -> int:
    return numba.config.NUMBA_NUM_THREADS


def _float_array(x) -> np.ndarray:
    """x as a C-contiguous float32 or float64 numpy array (the two types the kernels are built for)."""
    if hasattr(x, "detach"):
        from .._machinery.arrays import as_numpy

        x = as_numpy(x)
    if x.dtype not in (np.float32, np.float64):
        x = x.astype(np.float64)
    return np.ascontiguousarray(x)


@functools.lru_cache(maxsize=4)
def _pool(threads: int) -> ThreadPoolExecutor:
    """A thread pool kept for the next call: starting threads for every layer costs more than a fit."""
    return ThreadPoolExecutor(threads, thread_name_prefix="lessonkit-numba")


def _in_chunks(kernel: Callable, n: int, chunk: int, threads: int | None, multiple: int = 1) -> None:
    """kernel(start, stop) over [0, n) in chunks (a multiple of ``multiple``) on ``threads`` threads."""
    threads = threads or default_threads()
    chunk = max(1, min(chunk, -(-n // threads)))  # at least one chunk per thread
    chunk = -(-chunk // multiple) * multiple
    bounds = [(start, min(start + chunk, n)) for start in range(0, n, chunk)]
    if threads == 1 or len(bounds) <= 1:
        for start, stop in bounds:
            kernel(start, stop)
        return
    pool = _pool(threads)
    for future in [pool.submit(kernel, start, stop) for start, stop in bounds]:
        future.result()


def fit(x, y: np.ndarray, maxiter: int, tol: float, ridge: float, threads: int | None = None,
        block: int = 1024) -> dict[str, np.ndarray]:
    """Per neuron: each class's range, whether all values are finite, and where the classes overlap,
    the Newton fit (intercept, beta, var = [H^-1]_11, n_iter); NaN and 0 steps elsewhere."""
    x, y = _float_array(x), np.ascontiguousarray(y, dtype=np.float64)
    out = np.empty((len(FIT_OUTPUTS), x.shape[1]))
    _in_chunks(lambda start, stop: _fit_kernel(x, y, start, stop, maxiter, tol, ridge, out), x.shape[1], block, threads)
    result = dict(zip(FIT_OUTPUTS, out))
    result["finite"], result["n_iter"] = result["finite"] == 1.0, result["n_iter"].astype(np.int64)
    return result


def auroc(x, y: np.ndarray, threads: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(AUROC per neuron, finite per neuron): Mann-Whitney U / (n1 n0), ties counting half."""
    x = _float_array(x)
    y = np.ascontiguousarray(y, dtype=np.uint8)  # one byte a label: they travel with the values through the sort
    n, k = x.shape
    twice_u, finite = np.empty(k), np.empty(k, dtype=np.bool_)
    _in_chunks(lambda start, stop: _auroc_kernel(x, y, start, stop, twice_u, finite), k, 1024, threads, LANES)
    n_pos = int(y.astype(np.int64).sum())
    return twice_u / (2 * n_pos * (n - n_pos)), finite
