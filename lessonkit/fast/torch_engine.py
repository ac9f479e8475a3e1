"""The torch paths of ``lessonkit.regression``: vectorised over neurons, on the CPU or the GPU.

The same functions as ``numba_engine`` (``fit``, ``auroc``), for activations that
are numpy arrays or torch tensors. ``device=None`` computes where the activations are (CUDA tensors
stay on their GPU, everything else on the CPU); ``device="cuda"`` moves CPU data to the GPU first.

On the CPU, neurons go in chunks (at most ``block`` per chunk) fitted side by side on a thread pool,
each chunk on one torch thread with its own reusable scratch arrays. On a GPU all neurons of a call
step together in one chunk. Checked against ``lessonkit.regression``'s readable Newton step and
statsmodels in the tests.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
import threading
from typing import Any, Iterator

import numpy as np
import torch

GPU_BLOCK_BYTES = 2**30  # one float64 work array on a GPU: at most 1 GiB
CPU_BLOCK_BYTES = 2**23  # on the CPU: at most 8 MB, so a chunk's arrays stay in cache


def _tensor(x: Any, device: str | torch.device | None) -> torch.Tensor:
    """x as a 2-D float tensor on ``device`` (default: where it is; numpy arrays: the CPU)."""
    if not isinstance(x, torch.Tensor):
        x = torch.from_numpy(np.ascontiguousarray(x))
    if not (x.is_floating_point() and x.element_size() >= 4):
        x = x.to(torch.float64 if not x.is_floating_point() else torch.float32)
    return x if device is None else x.to(device)


def default_threads() -> int:
    return torch.get_num_threads()


def _on_gpu(x: torch.Tensor) -> bool:
    """Whether x takes the GPU branches (all neurons in one chunk, torch's own sort and reductions)."""
    return x.device.type != "cpu"


def _class_ranges(x: torch.Tensor, labels: torch.Tensor) -> dict[str, np.ndarray]:
    """Per neuron: each class's min and max, and whether all its values are finite."""
    if not _on_gpu(x):  # numpy's reductions are quicker than torch's here, and need no threads
        values, chosen = x.numpy(), labels.numpy()
        pos, neg = values[chosen], values[~chosen]
        ranges = dict(pos_min=pos.min(0), pos_max=pos.max(0), neg_min=neg.min(0), neg_max=neg.max(0),
                      finite=np.isfinite(values).all(0))  # fmt: skip
    else:
        (pos_min, pos_max), (neg_min, neg_max) = torch.aminmax(x[labels], dim=0), torch.aminmax(x[~labels], dim=0)
        ranges = {name: value.cpu().numpy() for name, value in dict(
            pos_min=pos_min, pos_max=pos_max, neg_min=neg_min, neg_max=neg_max, finite=torch.isfinite(x).all(0)).items()}
    return {name: value.astype(bool if name == "finite" else np.float64) for name, value in ranges.items()}


def fit(x: Any, y: np.ndarray, maxiter: int, tol: float, ridge: float, threads: int | None = None,
        block: int = 1024, device: Any = None) -> dict[str, np.ndarray]:  # fmt: skip
    """Per neuron: each class's range, whether all values are finite, and where the classes overlap,
    the Newton fit (intercept, beta, var = [H^-1]_11, n_iter); NaN and 0 steps elsewhere."""
    x = _tensor(x, device)
    labels = torch.from_numpy(np.asarray(y) == 1).to(x.device)
    out = _class_ranges(x, labels)
    overlap = (out["pos_min"] < out["neg_max"]) & (out["neg_min"] < out["pos_max"]) & out["finite"]
    columns = np.flatnonzero(overlap)
    k, n = x.shape[1], x.shape[0]
    for name in ("intercept", "beta", "var"):
        out[name] = np.full(k, np.nan)
    out["n_iter"] = np.zeros(k, dtype=np.int64)
    if len(columns) == 0:
        return out
    y_float = labels.to(torch.float64)
    index = torch.from_numpy(columns).to(x.device)
    if _on_gpu(x):  # all neurons step together (in slices of at most 1 GiB)
        block = max(1, min(len(columns), GPU_BLOCK_BYTES // (8 * n)))
        parts = [_newton(x[:, index[s : s + block]].to(torch.float64).T.contiguous(), y_float, maxiter, tol, ridge)
                 for s in range(0, len(columns), block)]  # fmt: skip
    else:
        parts = _fit_on_cpu_threads(x, y_float, index, maxiter, tol, ridge, threads, block)
    for name in parts[0]:
        out[name][columns] = torch.cat([part[name] for part in parts]).cpu().numpy()
    return out


def _fit_on_cpu_threads(x, labels, index, maxiter, tol, ridge, threads, block) -> list[dict[str, torch.Tensor]]:
    n, k = x.shape[0], len(index)
    block = max(1, min(block, k, CPU_BLOCK_BYTES // (8 * n)))
    # each worker thread keeps its [4, block, n] float64 work arrays from chunk to chunk:
    # fresh megabyte arrays for every chunk cost more in page faults than the arithmetic
    scratch = threading.local()

    def fit_block(start: int) -> dict[str, torch.Tensor]:
        if not hasattr(scratch, "arrays"):
            scratch.arrays = torch.empty((4, block, n), dtype=torch.float64)
        chunk = index[start : start + block]
        first, last = int(chunk[0]), int(chunk[-1]) + 1
        columns = x[:, first:last] if last - first == len(chunk) else x[:, chunk]  # a slice copies once
        rows = scratch.arrays[0, : len(chunk)]  # one row per neuron: sums run along contiguous memory
        rows.copy_(columns.T)
        return _newton(rows, labels, maxiter, tol, ridge, scratch.arrays[1:])

    threads = threads or default_threads()  # read before each chunk is limited to one torch thread
    with _one_torch_thread_per_chunk(), ThreadPoolExecutor(threads) as pool:
        return list(pool.map(fit_block, range(0, k, block)))


@contextmanager
def _one_torch_thread_per_chunk() -> Iterator[None]:
    """Chunks run side by side, each on one thread: sturdier than splitting every small torch
    operation over all cores, which stalls whenever another program holds one of them."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _newton(x: torch.Tensor, y: torch.Tensor, maxiter: int, tol: float, ridge: float,
            scratch: torch.Tensor | None = None) -> dict[str, torch.Tensor]:  # fmt: skip
    """statsmodels' ``_fit_newton`` on the scaled log-likelihood, one 2x2 system per neuron (row of x).

    All neurons start at zero and step together. A neuron stops once its step is at most ``tol`` in
    both parameters, or after ``maxiter`` steps; then, like statsmodels, its Hessian is evaluated
    once more at the final point for the standard error, and it leaves the working set.
    x [neurons, samples] float64 is overwritten; scratch holds three more arrays of at least x's shape.
    """
    k, n = x.shape
    if scratch is None:
        scratch = torch.empty((3, k, n), dtype=x.dtype, device=x.device)
    options = dict(dtype=torch.float64, device=x.device)
    out = {name: torch.full((k,), float("nan"), **options) for name in ("beta", "intercept", "var")}
    out["n_iter"] = torch.zeros(k, dtype=torch.int64, device=x.device)

    # the working set: rows still stepping (compacted into the first rows of `work`), their neuron numbers
    sum_y, sum_yx = y.sum(), x @ y
    work, spare, buffers = x, scratch[0], scratch[1:]
    rows = torch.arange(k, device=x.device)
    a, b = torch.zeros(k, **options), torch.zeros(k, **options)  # intercepts, slopes

    def finish(which: torch.Tensor, s_w: torch.Tensor, s_wx: torch.Tensor, s_wx2: torch.Tensor, steps: int) -> None:
        ids, det = rows[which], s_w[which] * s_wx2[which] - s_wx[which] ** 2
        out["var"][ids] = torch.where(det > 0, s_w[which] / det, float("nan"))  # [H^-1]_11, no ridge
        out["beta"][ids], out["intercept"][ids], out["n_iter"][ids] = b[which], a[which], steps

    done = torch.zeros(k, dtype=torch.bool, device=x.device)  # stepped for the last time
    for step in range(maxiter + 1):
        s_p, s_px, s_w, s_wx, s_wx2 = _sums(work[: len(rows)], a, b, buffers[:, : len(rows)], at_zero=step == 0)
        if step == maxiter:  # out of steps
            done[:] = True
        if done.any():
            finish(done, s_w, s_wx, s_wx2, steps=step)
            keep = ~done
            torch.index_select(work[: len(rows)], 0, keep.nonzero().squeeze(1), out=spare[: int(keep.sum())])
            work, spare = spare, work
            rows, a, b, sum_yx = rows[keep], a[keep], b[keep], sum_yx[keep]
            s_p, s_px, s_w, s_wx, s_wx2 = s_p[keep], s_px[keep], s_w[keep], s_wx[keep], s_wx2[keep]
            if len(rows) == 0:
                break

        # one Newton step for the others: (H / n + ridge) step = score / n, as statsmodels scales it
        h00, h01, h11 = s_w / n + ridge, s_wx / n, s_wx2 / n + ridge
        g0, g1 = (sum_y - s_p) / n, (sum_yx - s_px) / n
        det = h00 * h11 - h01 * h01
        da, db = (h11 * g0 - h01 * g1) / det, (h00 * g1 - h01 * g0) / det
        a, b = a + da, b + db
        done = ~((da.abs() > tol) | (db.abs() > tol))  # statsmodels goes on while some |step| > tol
    return out


def _sums(x: torch.Tensor, a: torch.Tensor, b: torch.Tensor, buffers: torch.Tensor, *, at_zero: bool) -> tuple:
    """Sums over samples (rows of x) of p, p x, w, w x, w x^2, where p = sigmoid(a + b x), w = p (1 - p)."""
    n = x.shape[1]
    p, tmp = buffers  # p (then w) and a scratch array
    if at_zero:  # the start (a = b = 0): p = 1/2 exactly, and the sums are moments of x
        sum_x, sum_x2 = x.sum(1), torch.mul(x, x, out=tmp).sum(1)
        return torch.full_like(sum_x, n / 2), sum_x / 2, torch.full_like(sum_x, n / 4), sum_x / 4, sum_x2 / 4
    torch.sigmoid(torch.mul(x, b[:, None], out=p).add_(a[:, None]), out=p)
    s_p, s_px = p.sum(1), torch.mul(p, x, out=tmp).sum(1)
    w = p.addcmul_(p, p, value=-1.0)  # p (1 - p), in place
    s_w, s_wx = w.sum(1), torch.mul(w, x, out=tmp).sum(1)
    return s_p, s_px, s_w, s_wx, tmp.mul_(x).sum(1)


def auroc(x: Any, y: np.ndarray, threads: int | None = None, device: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """(AUROC per neuron, finite per neuron): Mann-Whitney U / (n1 n0), ties counting half.

    For every positive, the negatives below it (binary search in the sorted negatives) plus half of
    those equal to it, summed as integers: exact.
    """
    x = _tensor(x, device)
    labels = torch.from_numpy(np.asarray(y) == 1).to(x.device)
    negatives, positives = x[~labels].T.contiguous(), x[labels].T.contiguous()  # [neurons, n_neg or n_pos]
    if not _on_gpu(x):  # numpy sorts these rows several times faster than torch does
        negatives, finite = torch.from_numpy(np.sort(negatives.numpy(), axis=1)), np.isfinite(x.numpy()).all(0)
    else:
        negatives, finite = negatives.sort(dim=1).values, torch.isfinite(x).all(0).cpu().numpy()
    below = torch.searchsorted(negatives, positives, side="left")  # negatives < positive
    below_or_equal = torch.searchsorted(negatives, positives, side="right")  # negatives <= positive
    twice_u = (below.sum(1) + below_or_equal.sum(1)).cpu().numpy()
    return twice_u / (2 * positives.shape[1] * negatives.shape[1]), finite
