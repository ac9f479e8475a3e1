"""lessonkit.regression against statsmodels, scipy and literal loops."""

from __future__ import annotations

import math
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import statsmodels.api as sm
import torch
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.tools.sm_exceptions import PerfectSeparationError, PerfectSeparationWarning

import lessonkit
from lessonkit.regression import CHANCE_AUROC, LogitResult, auroc_one_neuron, fit_one_neuron, newton_step, top_neurons

RTOL = 1e-6
PATHS = ["numba", "torch", "cuda"]


def path_runs_here(path: str) -> bool:
    try:
        lessonkit.stats_backend(backend=path)
    except (ImportError, RuntimeError):
        return False
    return True


@pytest.fixture(params=PATHS)
def path(request, monkeypatch):
    """Each statistics path in turn, forced through the switch (numba needs lessonkit[fast], cuda a GPU)."""
    if not path_runs_here(request.param):
        pytest.skip(f"the {request.param} path does not run here")
    monkeypatch.setenv("LESSONKIT_STATS_BACKEND", request.param)
    return request.param


# ------------------------------------------------------------------------------------------ helpers


def lecture_fit(x: np.ndarray, y: np.ndarray, **kwargs):
    """The lecture's fit of one neuron, with the names of the warnings it raised (or the error)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            fit = sm.Logit(y, sm.add_constant(x.astype(np.float64), has_constant="add")).fit(disp=0, **kwargs)
        except (PerfectSeparationError, np.linalg.LinAlgError) as error:
            return None, {type(error).__name__}
    return fit, {w.category.__name__ for w in caught}


def assert_statsmodels_parity(X: np.ndarray, y: np.ndarray, result: LogitResult) -> int:
    """Every neuron: same numbers where statsmodels fits cleanly, a flag where it warns. Returns #clean."""
    clean = 0
    for j in range(X.shape[1]):
        fit, warned = lecture_fit(X[:, j], y)
        if not warned:
            clean += 1
            assert result.converged[j] and not result.separated[j], j
            assert result.n_iter[j] == fit.mle_retvals["iterations"], j
            np.testing.assert_allclose(result.beta[j], fit.params[1], rtol=RTOL, err_msg=f"beta {j}")
            np.testing.assert_allclose(result.intercept[j], fit.params[0], rtol=RTOL, atol=1e-12)
            np.testing.assert_allclose(result.se[j], fit.bse[1], rtol=RTOL, err_msg=f"se {j}")
            np.testing.assert_allclose(result.z[j], fit.tvalues[1], rtol=RTOL)
            np.testing.assert_allclose(result.pvalue[j], fit.pvalues[1], rtol=RTOL, atol=1e-300)
        if "PerfectSeparationWarning" in warned or "PerfectSeparationError" in warned:
            assert result.separated[j], f"statsmodels saw separation in neuron {j}, lessonkit did not"
        if result.separated[j]:
            assert warned, f"lessonkit flagged neuron {j} as separated but statsmodels fitted it cleanly"
            assert np.isnan(result.pvalue[j]) and np.isinf(result.beta[j])
    return clean


def synthetic(seed: int, n: int = 300, m: int = 60) -> tuple[np.ndarray, np.ndarray]:
    """Activations with scales from tiny to large and signals from none to near-separating."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.5).astype(np.float64)
    signal = rng.normal(0, 1.5, m) * (rng.random(m) < 0.5)
    X = rng.normal(size=(n, m)) + y[:, None] * signal
    X *= rng.uniform(0.05, 20, m)
    X += rng.normal(0, 5, m)
    return X.astype(np.float32), y


def separated_columns(y: np.ndarray) -> np.ndarray:
    """Complete separation both ways, quasi separation (one tie at the border), and a near miss."""
    n = len(y)
    rng = np.random.default_rng(7)
    base = rng.normal(size=n)
    complete_up = np.where(y == 1, 3 + np.abs(base), -np.abs(base))
    complete_down = -complete_up
    quasi = np.where(y == 1, 1 + np.abs(base), 1 - np.abs(base))
    quasi[np.flatnonzero(y == 1)[0]] = 1.0
    quasi[np.flatnonzero(y == 0)[0]] = 1.0  # the classes touch at exactly 1.0
    overlap = complete_up.copy()
    overlap[np.flatnonzero(y == 0)[0]] = 10.0  # one negative on the wrong side: not separated
    return np.column_stack([complete_up, complete_down, quasi, overlap])


# ------------------------------------------------------------------------------------------ fit_logit


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_fit_logit_matches_statsmodels_on_random_data(seed, path):
    X, y = synthetic(seed)
    result = lessonkit.fit_logit(X, y)
    assert len(result) == X.shape[1] and result.nobs == len(y)
    assert assert_statsmodels_parity(X, y, result) >= X.shape[1] // 2


def test_separation_is_detected_exactly_and_flagged_where_statsmodels_warns(path):
    _, y = synthetic(3, n=120, m=1)
    X = separated_columns(y)
    X = np.column_stack([X, -X[:, 2]])  # quasi separation the other way: the classes touch at -1.0
    result = lessonkit.fit_logit(X, y)
    assert result.separated.tolist() == [True, True, True, False, True]
    assert result.beta.tolist()[:3] == [np.inf, -np.inf, np.inf] and result.beta[4] == -np.inf
    assert np.isnan(result.pvalue[[0, 1, 2, 4]]).all() and np.isfinite(result.pvalue[3])
    separated = result.separated  # nothing was fitted there: no intercept, no standard error, no step
    assert np.isnan(result.intercept[separated]).all() and np.isnan(result.se[separated]).all()
    assert (result.n_iter[separated] == 0).all() and result.n_iter.dtype == np.int64
    assert_statsmodels_parity(X, y, result)


def test_near_separated_data_seeds(path):
    """Strong signals: some neurons separate by chance, the rest still match statsmodels."""
    for seed in range(4):
        rng = np.random.default_rng(100 + seed)
        y = (np.arange(60) < 30).astype(float)
        X = rng.normal(size=(60, 40)) + y[:, None] * rng.uniform(1.5, 5, 40)
        result = lessonkit.fit_logit(X, y)
        assert_statsmodels_parity(X, y, result)
        pos, neg = X[y == 1], X[y == 0]
        expected = (pos.min(0) >= neg.max(0)) | (pos.max(0) <= neg.min(0))
        np.testing.assert_array_equal(result.separated, expected)


def test_float32_tensor_input_gives_the_float64_numbers(path):
    X, y = synthetic(4, m=20)
    from_numpy = lessonkit.fit_logit(X.astype(np.float64), y)
    from_tensor = lessonkit.fit_logit(torch.from_numpy(X), torch.from_numpy(y).bool())
    np.testing.assert_array_equal(from_numpy.beta, from_tensor.beta)
    np.testing.assert_array_equal(from_numpy.pvalue, from_tensor.pvalue)


def test_results_do_not_depend_on_the_block_size(path):
    X, y = synthetic(5, m=50)
    one, many = lessonkit.fit_logit(X, y, block=7), lessonkit.fit_logit(X, y, block=512)
    np.testing.assert_allclose(one.beta, many.beta, rtol=1e-12)
    np.testing.assert_allclose(one.se, many.se, rtol=1e-12)


def test_results_do_not_depend_on_threads_and_torch_settings_are_restored(path):
    X, y = synthetic(11, m=40)
    before = torch.get_num_threads()
    one, two = lessonkit.fit_logit(X, y, block=8, threads=1), lessonkit.fit_logit(X, y, block=8, threads=2)
    np.testing.assert_array_equal(one.pvalue, two.pvalue)
    assert torch.get_num_threads() == before


class RecordingPool(ThreadPoolExecutor):
    """A thread pool that remembers how many workers each fit asked for."""

    sizes: list[int] = []

    def __init__(self, max_workers=None, *args, **kwargs):
        RecordingPool.sizes.append(max_workers)
        super().__init__(max_workers, *args, **kwargs)


def test_torch_path_uses_torchs_threads_by_default(monkeypatch):
    """threads=None means torch's thread count, read before each chunk is held to one thread."""
    from lessonkit.fast import torch_engine

    monkeypatch.setattr(torch_engine, "ThreadPoolExecutor", RecordingPool)
    RecordingPool.sizes = []
    X, y = synthetic(12, m=64)
    before = torch.get_num_threads()
    torch.set_num_threads(3)
    try:
        lessonkit.fit_logit(X, y, block=8, backend="torch")
        assert RecordingPool.sizes == [3] and torch.get_num_threads() == 3
    finally:
        torch.set_num_threads(before)


def test_numba_path_uses_every_core_by_default(monkeypatch):
    numba = pytest.importorskip("numba")
    from lessonkit.fast import numba_engine

    monkeypatch.setattr(numba_engine, "ThreadPoolExecutor", RecordingPool)
    numba_engine._pool.cache_clear()  # the pool is kept between calls: make the next call build one
    RecordingPool.sizes = []
    X, y = synthetic(12, m=256)
    try:
        lessonkit.fit_logit(X, y, block=8, backend="numba")
        lessonkit.auroc(X, y, backend="numba")  # 64 neurons per sort: 4 blocks, the same pool
    finally:
        numba_engine._pool.cache_clear()
    cores = numba.config.NUMBA_NUM_THREADS  # numba's count of this machine's usable cores
    assert RecordingPool.sizes == ([cores] if cores > 1 else [])


# ------------------------------------------------------------------------------------------ the readable fit


def test_newton_step_is_statsmodels_first_step():
    X, y = synthetic(13, m=3)
    for j in range(3):
        x = X[:, j].astype(np.float64)
        fit, _ = lecture_fit(x, y, maxiter=1)
        np.testing.assert_allclose(newton_step(x, y, 0.0, 0.0), fit.params, rtol=1e-12)


def test_fit_one_neuron_is_statsmodels():
    X, y = synthetic(14, m=12)
    first_step, _ = lecture_fit(X[:, 0], y, maxiter=1)  # float32 activations: the first step in float64 too
    assert [fit_one_neuron(X[:, 0], y, maxiter=1)[k] for k in ("intercept", "beta")] == pytest.approx(first_step.params, rel=1e-12)
    for j in range(12):
        fit, warned = lecture_fit(X[:, j], y)
        mine = fit_one_neuron(X[:, j], y)
        assert not warned and mine["converged"] and mine["n_iter"] == fit.mle_retvals["iterations"]
        np.testing.assert_allclose([mine["intercept"], mine["beta"]], fit.params, rtol=1e-9)
        np.testing.assert_allclose([mine["se"], mine["z"], mine["pvalue"]], [fit.bse[1], fit.tvalues[1], fit.pvalues[1]], rtol=1e-9)
    fit, warned = lecture_fit(X[:, 0], y, maxiter=2)
    mine = fit_one_neuron(X[:, 0], y, maxiter=2)
    assert "ConvergenceWarning" in warned and not mine["converged"] and mine["n_iter"] == 2
    np.testing.assert_allclose(mine["beta"], fit.params[1], rtol=1e-9)


@pytest.mark.parametrize("seed", [15, 16])
def test_every_path_is_the_readable_newton_fit(seed, path):
    X, y = synthetic(seed, m=80)
    result = lessonkit.fit_logit(X, y)
    fitted = ~(result.separated | result.constant)
    assert fitted.sum() > 40
    for j in np.flatnonzero(fitted):
        mine = fit_one_neuron(X[:, j], y)
        assert result.n_iter[j] == mine["n_iter"] and result.converged[j] == mine["converged"], j
        np.testing.assert_allclose([result.intercept[j], result.beta[j], result.se[j], result.pvalue[j]],
                                   [mine["intercept"], mine["beta"], mine["se"], mine["pvalue"]], rtol=1e-9, atol=1e-300)


def test_the_numba_kernels_exp_is_exp_over_the_whole_float64_range():
    """The kernels' own exp (no vector exp in this numba build): math.exp to 1e-12 relative over the
    normal float64 range (its worst there is ~4e-13: the 11 squarings multiply the polynomial's
    rounding by 2048), 0 and inf beyond, exactly 1 at 0. Relative with no absolute floor: pytest's
    default abs=1e-12 would pass anything below 0.1."""
    pytest.importorskip("numba")
    from lessonkit.fast.numba_engine import _exp

    for t in np.concatenate([np.linspace(-708.0, 709.0, 2001), np.linspace(-3.0, 3.0, 601)]):
        assert _exp(t) == pytest.approx(math.exp(t), rel=1e-12, abs=0), t
    for t in np.linspace(-745.0, -708.0, 201):  # subnormal results: as exact as their few bits allow
        assert _exp(t) == pytest.approx(math.exp(t), rel=1e-12, abs=1e-322), t
    assert (_exp(0.0), _exp(710.0), _exp(1e6), _exp(-746.0), _exp(-1e6)) == (1.0, np.inf, np.inf, 0.0, 0.0)


def test_paths_agree_with_each_other():
    X, y = synthetic(17, m=300)
    X[:, :3] = separated_columns(y)[:, :3]
    results = {p: lessonkit.fit_logit(X, y, backend=p) for p in PATHS if path_runs_here(p)}
    first = next(iter(results.values()))
    for result in results.values():
        for name in ("separated", "constant", "converged", "n_iter"):
            np.testing.assert_array_equal(getattr(result, name), getattr(first, name), err_msg=name)
        for name in ("beta", "se", "pvalue", "intercept"):
            np.testing.assert_allclose(getattr(result, name), getattr(first, name), rtol=1e-9, err_msg=name)


def test_one_neuron_as_a_1d_array(path):
    X, y = synthetic(6, m=1)
    fit, warned = lecture_fit(X[:, 0], y)
    result = lessonkit.fit_logit(X[:, 0], y)
    assert not warned and len(result) == 1
    np.testing.assert_allclose(result.beta[0], fit.params[1], rtol=RTOL)


def test_constant_column_is_nan_and_flagged_not_a_crash(path):
    X, y = synthetic(7, m=3)
    X[:, 1] = 2.5
    result = lessonkit.fit_logit(X, y)
    assert result.constant.tolist() == [False, True, False]
    assert np.isnan([result.beta[1], result.se[1], result.pvalue[1]]).all()
    assert not result.separated[1] and not result.converged[1]
    np.testing.assert_allclose(result.beta[[0, 2]], lessonkit.fit_logit(X[:, [0, 2]], y).beta)


def test_non_convergence_is_flagged_and_follows_statsmodels_steps(path):
    X, y = synthetic(8, m=10)
    one_step = lessonkit.fit_logit(X, y, maxiter=1)  # statsmodels' first step exactly, ridge on the Hessian included
    for j in range(10):
        fit, _ = lecture_fit(X[:, j], y, maxiter=1)
        np.testing.assert_allclose([one_step.intercept[j], one_step.beta[j]], fit.params, rtol=1e-12)
    result = lessonkit.fit_logit(X, y, maxiter=2)
    for j in range(10):
        fit, warned = lecture_fit(X[:, j], y, maxiter=2)
        assert "ConvergenceWarning" in warned and not result.converged[j]
        np.testing.assert_allclose(result.beta[j], fit.params[1], rtol=1e-9)  # the same two steps
        np.testing.assert_allclose(result.se[j], fit.bse[1], rtol=1e-9)
    assert np.isnan(result.pvalue).all()  # no test from an unfinished fit


def test_extreme_activations_raise_no_numpy_warnings(path):
    X, y = synthetic(9, m=20)
    X = np.vstack([X, np.full((2, 20), 1e6, dtype=np.float32)])
    y = np.append(y, [0, 1])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = lessonkit.fit_logit(X * 1e3, y)
    assert np.isfinite(result.beta).all()


def test_repr_and_frame():
    """The one line a notebook shows, counted here from statsmodels and from how the columns were made."""
    X, y = synthetic(10, m=8)
    X[:, 0] = np.random.default_rng(0).normal(size=300) + 0.45 * y  # significant after 4 steps
    X[:, 2] = 2.0  # constant
    X[:, 5] = np.where(y == 1, 1.0, -1.0) + np.linspace(0, 0.5, 300)  # separated
    result = lessonkit.fit_logit(X, y, maxiter=5)  # neurons 6 and 7 need a sixth step
    fits = {j: lecture_fit(X[:, j], y, maxiter=5)[0] for j in (0, 1, 3, 4, 6, 7)}
    converged = [j for j, fit in fits.items() if fit.mle_retvals["converged"]]
    significant = sum(fits[j].pvalues[1] < 0.05 / 8 for j in converged)
    assert 0 < significant and len(converged) < 6  # the case has every kind of neuron
    assert repr(result) == (f"LogitResult(8 neurons, n=300 samples: {significant} significant at p < .05/8 (Bonferroni), "
                            f"1 separated, 1 constant, {6 - len(converged)} not converged)")
    frame = result.to_frame()
    assert list(frame.columns) == ["beta", "intercept", "se", "z", "pvalue", "converged", "separated", "constant", "n_iter"]
    assert frame.index.name == "neuron" and list(frame.index) == list(range(8))
    np.testing.assert_array_equal(frame["beta"].to_numpy(), result.beta)
    empty = LogitResult(*[np.zeros(0)] * 5, *[np.zeros(0, bool)] * 3, np.zeros(0, int), nobs=10)
    assert repr(empty) == "LogitResult(0 neurons, n=10 samples: 0 significant at p < .05/0 (Bonferroni), 0 separated, 0 constant, 0 not converged)"


@pytest.mark.parametrize(
    "X, y, message",
    [
        (np.zeros((4, 2)), [0, 1, 2, 1], r"^y must contain only 0 and 1"),
        (np.zeros((4, 2)), [1, 1, 1, 1], "only one class"),
        (np.zeros((5, 2)), [0, 1, 0, 1], r"^X has 5 rows but y has 4 labels; pass one row per label"),
        (np.array([[0.0], [np.nan], [1], [2]]), [0, 1, 0, 1], r"^X contains NaN"),
        (np.zeros((4, 2, 2)), [0, 1, 0, 1], r"^X must be \[n_samples, n_neurons\]"),
        (np.zeros((4, 2)), [[0, 1, 0, 1]], r"^y must be 1-D"),
    ],
)
def test_fit_logit_bad_input(X, y, message, path):
    with pytest.raises(ValueError, match=message):
        lessonkit.fit_logit(X, y)


def test_fit_logit_rejects_text_and_ragged_input():
    with pytest.raises(TypeError, match=r"^X must hold real numbers"):
        lessonkit.fit_logit(np.array([["a"], ["b"]]), [0, 1])
    with pytest.raises(TypeError, match=r"^y must hold numbers 0/1 or booleans"):
        lessonkit.fit_logit(np.zeros((2, 1)), ["a", "b"])
    with pytest.raises(TypeError, match=r"^X must be a numpy array"):
        lessonkit.fit_logit([[0.0], [1.0, 2.0]], [0, 1])
    with pytest.raises(TypeError, match=r"^y must be a numpy array"):
        lessonkit.auroc(np.zeros((2, 1)), [[0], [1, 0]])


@pytest.mark.parametrize("setting", [{"maxiter": 0}, {"tol": 0.0}, {"block": 0}, {"threads": 0}])
def test_fit_logit_refuses_each_impossible_setting(setting):
    with pytest.raises(ValueError, match="maxiter, block and threads must be >= 1 and tol > 0"):
        lessonkit.fit_logit(*synthetic(1, m=2), **setting)


def test_fit_logit_takes_the_smallest_settings():
    X, y = synthetic(1, m=3)
    smallest = lessonkit.fit_logit(X, y, maxiter=1, block=1, threads=1, tol=1e-300)
    assert (smallest.n_iter == 1).all()
    np.testing.assert_allclose(lessonkit.fit_logit(X, y, block=1).beta, lessonkit.fit_logit(X, y).beta, rtol=1e-12)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.int64])
def test_tensors_of_every_dtype_give_the_float64_numbers(dtype):
    """Half precision is widened (numpy has no bfloat16); integers go to float64, where float32 would
    merge 2**24 and 2**24 + 1."""
    rng = np.random.default_rng(3)
    y = (rng.random(200) < 0.4).astype(float)
    values = rng.integers(-8, 8, size=(200, 4)) * 0.25 + y[:, None] * [1.0, 0.5, 0.0, -0.5]
    if dtype == torch.int64:
        values = 2**24 + np.round(values * 4)  # 2**24 + 1 exists only in float64
    tensor = torch.tensor(values).to(dtype)
    exact = tensor.double().numpy()  # the values the tensor holds, in float64
    for backend in ("torch", "numba") if lessonkit.regression.paths.numba_problem() is None else ("torch",):
        np.testing.assert_array_equal(lessonkit.auroc(tensor, y, backend=backend), lessonkit.auroc(exact, y, backend=backend))
        np.testing.assert_allclose(lessonkit.fit_logit(tensor, y, backend=backend).beta,
                                   lessonkit.fit_logit(exact, y, backend=backend).beta, rtol=1e-12)


def test_each_path_runs_its_own_engine_and_auto_sends_large_data_to_a_gpu(monkeypatch):
    """Which engine computes: numba's for "numba", torch's for "torch" (and "cuda", here on a stand-in
    GPU that torch sees, with data counted as large), whatever LESSONKIT_STATS_BACKEND says."""
    pytest.importorskip("numba")
    from lessonkit.fast import numba_engine, torch_engine, paths

    X, y = synthetic(2, m=4)
    ran = []

    def spy(engine, name):
        real = getattr(engine, name)

        def recorded(*args, **options):
            ran.append((f"{engine.__name__.rsplit('.', 1)[-1].split('_')[0]}.{name}", options.get("device")))
            options.pop("device", None)  # compute where the data are (here: the CPU), wherever the path would go
            return real(*args, **options)

        monkeypatch.setattr(engine, name, recorded)

    for engine in (numba_engine, torch_engine):
        spy(engine, "fit"), spy(engine, "auroc")
    monkeypatch.setenv("LESSONKIT_STATS_BACKEND", "torch")
    lessonkit.fit_logit(X, y, backend="numba"), lessonkit.auroc(X, y, backend="numba")
    assert ran == [("numba.fit", None), ("numba.auroc", None)]
    ran.clear()
    monkeypatch.setenv("LESSONKIT_STATS_BACKEND", "numba")
    lessonkit.fit_logit(X, y, backend="torch"), lessonkit.auroc(X, y, backend="torch")
    assert ran == [("torch.fit", "cpu"), ("torch.auroc", "cpu")]
    ran.clear()
    monkeypatch.delenv("LESSONKIT_STATS_BACKEND")
    monkeypatch.setattr(paths, "cuda_available", lambda load_torch=True: True)
    monkeypatch.setattr(paths, "GPU_WORTH_IT", X.size)
    lessonkit.fit_logit(X, y), lessonkit.auroc(X, y)
    assert ran == [("torch.fit", "cuda"), ("torch.auroc", "cuda")]


# ------------------------------------------------------------------------------------------ real activations


def mlp_activations(model, modules, input_ids: torch.Tensor, *, pre_hook: bool = False) -> list[np.ndarray]:
    """Activations of the given modules (output, or input with pre_hook) with plain forward hooks."""
    captured = []

    def keep_output(module, inputs, output):
        captured.append(output[0].detach().float().numpy())

    def keep_input(module, inputs):
        captured.append(inputs[0][0].detach().float().numpy())

    handles = [m.register_forward_pre_hook(keep_input) if pre_hook else m.register_forward_hook(keep_output) for m in modules]
    try:
        with torch.no_grad():
            model(input_ids[None, :])
    finally:
        for handle in handles:
            handle.remove()
    return captured


def capitalised(tokenizer, ids: torch.Tensor) -> np.ndarray:
    """A rough proper-noun label for the tests: the token's text starts with a capital letter."""
    texts = [tokenizer.decode([int(i)]).strip() for i in ids]
    return np.array([len(t) > 2 and t[0].isupper() for t in texts], dtype=float)


def test_parity_on_random_gpt2_activations(gpt2_tokenizer, path):
    from transformers import GPT2Config, GPT2LMHeadModel

    torch.manual_seed(0)
    model = GPT2LMHeadModel(GPT2Config(n_layer=2, n_embd=64, n_head=2)).eval()
    text = " ".join(lessonkit.load_bundled_corpus())
    ids = torch.tensor(gpt2_tokenizer(text)["input_ids"][:512])
    acts = mlp_activations(model, [block.mlp.c_fc for block in model.transformer.h], ids)
    labels = capitalised(gpt2_tokenizer, ids)
    sample = lessonkit.balanced_sample(labels, seed=0)
    for layer_acts in acts:
        X, y = layer_acts[sample], labels[sample]
        assert assert_statsmodels_parity(X, y, lessonkit.fit_logit(X, y)) > 200


@pytest.mark.slow
def test_parity_on_smollm2_activations(smollm2, path):
    model, tokenizer = smollm2
    text = " ".join(lessonkit.load_bundled_corpus())
    ids = torch.tensor(tokenizer(text)["input_ids"][:1024])
    layers = model.model.layers
    acts = mlp_activations(model, [layers[5].mlp.down_proj, layers[20].mlp.down_proj], ids, pre_hook=True)
    labels = capitalised(tokenizer, ids)
    sample = lessonkit.balanced_sample(labels, seed=0)
    for layer_acts in acts:
        X, y = layer_acts[sample], labels[sample]
        result = lessonkit.fit_logit(X, y)  # all 1,536 neurons
        assert lessonkit.bonferroni(result.pvalue).sum() > 5  # a real model does carry the signal
        assert assert_statsmodels_parity(X[:, :400], y, result) > 300  # statsmodels on the first 400


# ------------------------------------------------------------------------------------------ balanced_sample


def test_balanced_sample_is_all_positives_and_as_many_negatives():
    labels = (np.random.default_rng(0).random(1024) < 0.2).astype(int)
    idx = lessonkit.balanced_sample(labels, seed=1)
    chosen = labels[idx]
    assert chosen.sum() == labels.sum() == (chosen == 0).sum()
    assert len(np.unique(idx)) == len(idx) and (np.diff(idx) > 0).all()
    np.testing.assert_array_equal(idx, lessonkit.balanced_sample(torch.tensor(labels), seed=1))
    assert not np.array_equal(idx, lessonkit.balanced_sample(labels, seed=2))


def test_balanced_sample_errors():
    with pytest.raises(ValueError, match="no positive"):
        lessonkit.balanced_sample([0, 0, 0], seed=0)
    with pytest.raises(ValueError, match="use more text"):
        lessonkit.balanced_sample([1, 1, 0], seed=0)
    assert lessonkit.balanced_sample([1, 0, 1, 0], seed=0).tolist() == [0, 1, 2, 3]  # as many negatives as positives: all
    with pytest.raises(ValueError, match=r"^labels must contain only 0 and 1"):
        lessonkit.balanced_sample([1, 0, 2], seed=0)
    with pytest.raises(TypeError):
        lessonkit.balanced_sample([0, 1, 0])  # the seed is required


# ------------------------------------------------------------------------------------------ multiple testing


def test_bonferroni_is_the_lecture_threshold():
    p = np.random.default_rng(0).random(4096) ** 6
    p[:3] = [0.05 / 4096 * 0.999, 0.05 / 4096, np.nan]
    expected = [bool(value < 0.05 / 4096) for value in p]  # the lecture's literal comparison
    np.testing.assert_array_equal(lessonkit.bonferroni(p), expected)
    assert lessonkit.bonferroni(p)[0] and not lessonkit.bonferroni(p)[1:3].any()


def test_bonferroni_over_layers_is_one_family():
    p = np.full((24, 4096), 0.05 / 4096 / 2)  # significant within one layer, not among all 98,304
    assert lessonkit.bonferroni(p[0]).all()
    assert not lessonkit.bonferroni(p).any()
    assert lessonkit.bonferroni(p).shape == (24, 4096)


def test_benjamini_hochberg_matches_statsmodels():
    rng = np.random.default_rng(1)
    p = np.concatenate([rng.random(900), rng.random(100) * 1e-4])
    expected = multipletests(p, alpha=0.05, method="fdr_bh")[0]
    np.testing.assert_array_equal(lessonkit.benjamini_hochberg(p), expected)
    grid = lessonkit.benjamini_hochberg(p.reshape(10, 100))
    np.testing.assert_array_equal(grid.ravel(), expected)


def step_down(p, alpha):
    """A look-alike of BH: the k smallest, k = the last rank before the FIRST rank that fails."""
    ranked = np.sort(p)
    k = 0
    while k < len(p) and ranked[k] <= (k + 1) / len(p) * alpha:
        k += 1
    return p <= ranked[k - 1] if k else np.zeros(len(p), bool)


def own_threshold(p, alpha):
    """A look-alike of BH: each p-value against its own rank's threshold only."""
    rank = np.argsort(np.argsort(p)) + 1
    return p <= rank / len(p) * alpha


def strictly_below(p, alpha):
    """A look-alike of BH with < for <=."""
    ranked = np.sort(p)
    passing = [k + 1 for k in range(len(p)) if ranked[k] < (k + 1) / len(p) * alpha]
    return p <= ranked[passing[-1] - 1] if passing else np.zeros(len(p), bool)


# p-values on which Benjamini-Hochberg (statsmodels' fdr_bh) gives another answer than each look-alike named
BH_CASES = [
    ([0.6, 0.028, 0.001, 0.9, 0.025], 0.05, (step_down, own_threshold)),  # rank 2 fails, rank 3 passes: BH keeps 3
    ([0.5, 0.025, 0.9, 0.0125], 0.05, (strictly_below,)),  # ranks 1 and 2 exactly at their thresholds
    ([0.045, 0.9, 0.005, 0.015, 0.04], 0.1, ()),  # alpha = .1 keeps 4, alpha = .05 would keep 2
]


@pytest.mark.parametrize("p, alpha, differs_from", BH_CASES)
def test_benjamini_hochberg_is_statsmodels_where_its_look_alikes_differ(p, alpha, differs_from):
    p = np.array(p)
    expected = multipletests(p, alpha=alpha, method="fdr_bh")[0]
    for look_alike in differs_from:
        assert not np.array_equal(look_alike(p, alpha), expected), look_alike.__name__
    got = lessonkit.benjamini_hochberg(p, alpha)
    assert got.dtype == bool and got.tolist() == expected.tolist()
    np.testing.assert_array_equal(lessonkit.benjamini_hochberg(list(p), alpha=alpha), expected)
    two_rows = np.append(p, [0.3] * (len(p) % 2)).reshape(2, -1)  # [layers, neurons]: one family
    got = lessonkit.benjamini_hochberg(two_rows, alpha)
    assert got.shape == two_rows.shape
    np.testing.assert_array_equal(got.ravel(), multipletests(two_rows.ravel(), alpha=alpha, method="fdr_bh")[0])


def test_benjamini_hochberg_alpha_is_the_one_given():
    p = np.array([0.045, 0.9, 0.005, 0.015, 0.04])
    assert lessonkit.benjamini_hochberg(p).tolist() == multipletests(p, alpha=0.05, method="fdr_bh")[0].tolist()
    assert lessonkit.benjamini_hochberg(p).sum() == 2 and lessonkit.benjamini_hochberg(p, 0.1).sum() == 4


def test_benjamini_hochberg_with_nan_counts_them_but_never_rejects_them():
    p = np.array([0.001, np.nan, 0.02, 0.04, np.nan])
    # literal step-up with m = 5: thresholds .01, .02, .03, .04, .05 on the sorted values
    assert lessonkit.benjamini_hochberg(p).tolist() == [True, False, True, False, False]


def test_multiple_testing_bad_input():
    with pytest.raises(ValueError, match="between 0 and 1"):
        lessonkit.bonferroni([0.5, 1.5])
    with pytest.raises(ValueError, match="between 0 and 1"):
        lessonkit.benjamini_hochberg([-0.1, 0.5])
    with pytest.raises(TypeError, match=r"^pvalues must be a numpy array"):
        lessonkit.bonferroni([[0.1], [0.2, 0.3]])  # ragged
    assert lessonkit.bonferroni([0.0, 1.0, 0.01]).tolist() == [True, False, True]  # 0 (an underflow) and 1 are p-values
    assert lessonkit.bonferroni([0.04]).tolist() == [True]  # one test: alpha itself
    with pytest.raises(ValueError, match="layers, neurons"):
        lessonkit.benjamini_hochberg(np.zeros((2, 2, 2)))


# ------------------------------------------------------------------------------------------ auroc


def test_auroc_is_mann_whitney_u_with_ties(path):
    rng = np.random.default_rng(0)
    y = (rng.random(200) < 0.3).astype(int)
    X = np.column_stack([rng.integers(0, 4, 200), rng.normal(size=200) + y, -y, np.ones(200)]).astype(np.float32)
    expected = [stats.mannwhitneyu(X[y == 1, j], X[y == 0, j]).statistic / (y.sum() * (y == 0).sum()) for j in range(4)]
    np.testing.assert_allclose(lessonkit.auroc(X, y), expected, rtol=1e-12)
    assert lessonkit.auroc(X, y)[2] == 0.0 and lessonkit.auroc(X, y)[3] == CHANCE_AUROC


def test_auroc_by_a_literal_double_loop(path):
    x, y = np.array([0.1, 0.4, 0.4, 0.9, 0.2]), np.array([0, 1, 0, 1, 0])
    pairs = [(a > b) + 0.5 * (a == b) for a in x[y == 1] for b in x[y == 0]]
    assert lessonkit.auroc(x, y)[0] == pytest.approx(np.mean(pairs))


def literal_auroc(x: np.ndarray, y: np.ndarray) -> float:
    """The definition, pair by pair: P(positive > negative) + half P(tie)."""
    pairs = [(a > b) + 0.5 * (a == b) for a in x[y == 1] for b in x[y == 0]]
    return float(np.mean(pairs))


@pytest.mark.parametrize("n, m, dtype", [(37, 1, np.float32), (200, 130, np.float32), (129, 65, np.float64), (64, 3, np.int64)])
def test_auroc_is_exactly_the_literal_loop_on_every_path(n, m, dtype, path):
    """Many ties (small integers), odd sizes, blocks of neurons that end part-way, one positive."""
    rng = np.random.default_rng(n + m)
    y = (rng.random(n) < 0.3).astype(int)
    y[:2] = [1, 0]
    X = rng.integers(-3, 4, size=(n, m)).astype(dtype)
    X[:, 0] = np.where(y == 1, X[:, 0] + 1, X[:, 0])
    if m > 2 and np.issubdtype(dtype, np.floating):
        X[:, 1] = rng.normal(size=n) * 1e30  # no ties, huge values
    expected = [literal_auroc(X[:, j], y) for j in range(m)]
    np.testing.assert_array_equal(lessonkit.auroc(X, y), expected)
    one_positive = np.eye(1, n, 5)[0].astype(int)
    np.testing.assert_array_equal(lessonkit.auroc(X, one_positive), [literal_auroc(X[:, j], one_positive) for j in range(m)])


def test_auroc_one_neuron_is_the_definition_and_scipy():
    rng = np.random.default_rng(3)
    y = (rng.random(300) < 0.4).astype(int)
    x = np.round(rng.normal(size=300) + y, 1)
    assert auroc_one_neuron(x, y) == literal_auroc(x, y)
    assert auroc_one_neuron(x, y) == pytest.approx(stats.mannwhitneyu(x[y == 1], x[y == 0]).statistic / (y.sum() * (y == 0).sum()))


def test_auroc_rejects_nan_on_every_path(path):
    X = np.zeros((4, 70))
    X[2, 66] = np.nan
    with pytest.raises(ValueError, match="NaN or infinite"):
        lessonkit.auroc(X, [0, 1, 0, 1])


def test_auroc_needs_both_classes():
    with pytest.raises(ValueError, match="both classes"):
        lessonkit.auroc(np.zeros((3, 1)), [1, 1, 1])


# ------------------------------------------------------------------------------------------ scan_layers


def fake_layers(seed: int, n_layers: int = 3, n: int = 400, m: int = 50) -> tuple[dict, np.ndarray]:
    rng = np.random.default_rng(seed)
    labels = (rng.random(n) < 0.25).astype(int)
    signal = np.zeros(m)
    signal[:5] = [2, 1, -1, -2, 0.5]
    acts = {layer: torch.from_numpy((rng.normal(size=(n, m)) + labels[:, None] * signal).astype(np.float32)) for layer in range(n_layers)}
    return acts, labels


def test_scan_layers_is_fit_logit_on_the_balanced_sample_of_each_layer(path):
    acts, labels = fake_layers(0)
    table = lessonkit.scan_layers(acts, labels, seed=3)
    assert list(table.columns) == ["layer", "neuron", "beta", "se", "pvalue", "significant", "auroc"]
    assert len(table) == 3 * 50
    sample = lessonkit.balanced_sample(labels, seed=3)
    for layer, x in acts.items():
        rows = table[table["layer"] == layer]
        fit = lessonkit.fit_logit(x[sample], labels[sample])
        np.testing.assert_array_equal(rows["beta"], fit.beta)
        np.testing.assert_array_equal(rows["significant"], lessonkit.bonferroni(fit.pvalue))
        np.testing.assert_array_equal(rows["auroc"], lessonkit.auroc(x, labels))
    assert table.attrs["chance_auroc"] == 0.5 and table.attrs["n_sample"] == 2 * labels.sum()
    assert table.loc[table["neuron"] < 4, "significant"].all()


def test_scan_layers_accepts_a_stacked_array_and_a_batch_dimension(path):
    acts, labels = fake_layers(1)
    stacked = np.stack([a.numpy() for a in acts.values()])
    batched = {layer: a[None] for layer, a in acts.items()}
    a = lessonkit.scan_layers(acts, labels)
    np.testing.assert_array_equal(a["pvalue"], lessonkit.scan_layers(stacked, labels)["pvalue"])
    np.testing.assert_array_equal(a["pvalue"], lessonkit.scan_layers(batched, labels)["pvalue"])


def test_scan_layers_bh_is_statsmodels_per_layer_and_over_all_layers():
    """Three layers of graded signals; p-values and BH by statsmodels (a fit per neuron, multipletests)."""
    rng = np.random.default_rng(1)
    labels = (rng.random(160) < 0.3).astype(int)
    positives, negatives = np.flatnonzero(labels == 1), np.flatnonzero(labels == 0)
    sample = np.r_[positives, np.random.default_rng(42).choice(negatives, size=len(positives), replace=False)]
    acts, pvalues = {}, []
    for layer in range(3):
        signal = rng.uniform(0, 1.0, 10)
        acts[layer] = rng.normal(size=(160, 10)) + np.outer(labels, signal)
        pvalues.append([sm.Logit(labels[sample], sm.add_constant(acts[layer][sample, j])).fit(disp=0).pvalues[1]
                        for j in range(10)])
    per_layer = np.concatenate([multipletests(p, method="fdr_bh")[0] for p in pvalues])
    over_all = multipletests(np.concatenate(pvalues), method="fdr_bh")[0]
    bonferroni_per_layer = np.concatenate([np.array(p) < 0.05 / 10 for p in pvalues])
    assert len({per_layer.tobytes(), over_all.tobytes(), bonferroni_per_layer.tobytes()}) == 3  # the case tells them apart
    layer_bh = lessonkit.scan_layers(acts, labels, seed=42, correction="bh")
    np.testing.assert_array_equal(layer_bh["significant"], per_layer)
    all_bh = lessonkit.scan_layers(acts, labels, seed=42, correction="bh", family="all")
    np.testing.assert_array_equal(all_bh["significant"], over_all)
    lecture = lessonkit.scan_layers(acts, labels, seed=42)
    np.testing.assert_array_equal(lecture["significant"], bonferroni_per_layer)
    assert (all_bh.attrs["correction"], all_bh.attrs["family"], lecture.attrs["correction"]) == ("bh", "all", "bonferroni")


def test_scan_layers_rejects_unknown_corrections_and_families():
    acts, labels = fake_layers(2)
    with pytest.raises(ValueError, match="correction"):
        lessonkit.scan_layers(acts, labels, correction="holm")
    with pytest.raises(ValueError, match="family"):
        lessonkit.scan_layers(acts, labels, family="model")


def test_scan_layers_heldout_and_top_neurons(path):
    acts, labels = fake_layers(3)
    other_acts, other_labels = fake_layers(4)
    table = lessonkit.scan_layers(acts, labels, heldout=(other_acts, other_labels))
    np.testing.assert_array_equal(table.loc[table["layer"] == 1, "heldout_auroc"], lessonkit.auroc(other_acts[1], other_labels))
    top = top_neurons(table, top=3)
    assert list(top.columns) == ["layer", "neuron", "beta", "pvalue", "fires on proper nouns", "auroc", "heldout_auroc",
                                 "chance"]
    assert (top["chance"] == 0.5).all()
    rows = table.set_index(["layer", "neuron"]).loc[list(zip(top["layer"], top["neuron"]))]
    np.testing.assert_array_equal(top["auroc"], rows["auroc"])  # one convention: proper nouns above, never flipped
    np.testing.assert_array_equal(top["heldout_auroc"], rows["heldout_auroc"])
    more = top["fires on proper nouns"] == "more"
    assert (more == (top["auroc"] > 0.5)).all() and more.any() and (~more).any()
    assert (top["heldout_auroc"][more] > 0.6).all() and (top["heldout_auroc"][~more] < 0.4).all()  # real signal generalises
    assert (top["beta"].iloc[:3] > 0).all() and (top["beta"].iloc[3:] < 0).all()


def test_top_neurons_shows_each_auroc_as_it_is_and_says_which_way_the_neuron_fires():
    """Five a side by default, chosen by beta; AUROCs in the one convention (proper nouns above), never
    turned round, with "more" at or above one half and "less" below it, from the training AUROC."""
    import pandas as pd

    beta = np.array([0.9, 0.7, 0.6, 0.5, 0.4, 0.3, -0.2, -0.8, 0.05])
    auroc = np.array([0.9, 0.8, 0.7, 0.65, 0.5, 0.55, 0.3, 0.1, 0.52])
    heldout = np.linspace(0.6, 0.2, 9)
    table = pd.DataFrame({"layer": 2, "neuron": np.arange(9), "beta": beta, "se": 0.1, "pvalue": 1e-6,
                          "significant": [True] * 8 + [False], "auroc": auroc, "heldout_auroc": heldout})
    top = top_neurons(table)
    assert top["neuron"].tolist() == [0, 1, 2, 3, 4, 7, 6]  # five positive (largest first), then the negatives
    for row in top.itertuples():
        assert row.auroc == auroc[row.neuron] and row.heldout_auroc == heldout[row.neuron]
    assert top["fires on proper nouns"].tolist() == ["more", "more", "more", "more", "more", "less", "less"]
    assert (top["chance"] == 0.5).all()


def test_top_neurons_lists_negative_neurons_only_among_the_negatives():
    """A layer with one negative significant neuron: it alone fills the negative rows."""
    import pandas as pd

    beta = np.array([3.0, 2.5, 2.0, 1.5, 1.0, 0.5, 0.2, -1.2, -0.1, -4.0])
    significant = np.array([True] * 7 + [True, False, False])
    table = pd.DataFrame({"layer": 0, "neuron": np.arange(10), "beta": beta, "se": 0.1, "pvalue": 1e-9,
                          "significant": significant, "auroc": 0.7})
    top = top_neurons(table, top=5)
    positive, negative = top[top.index < 5], top[top.index >= 5]
    assert list(positive["neuron"]) == [0, 1, 2, 3, 4] and (positive["beta"] > 0).all()
    assert list(negative["neuron"]) == [7] and (negative["beta"] < 0).all()
    assert len(top) == 6


def test_scan_layers_shows_a_perfect_separator_by_its_auroc(path):
    acts, labels = fake_layers(6)
    acts[0][:, 7] = torch.from_numpy(labels * 5.0 + np.random.default_rng(0).random(len(labels)))
    row = lessonkit.scan_layers(acts, labels).query("layer == 0 and neuron == 7").iloc[0]
    assert row["beta"] == np.inf and np.isnan(row["pvalue"]) and not row["significant"]
    assert row["auroc"] == 1.0


def test_scan_layers_bad_input_names_the_argument():
    acts, labels = fake_layers(5)
    with pytest.raises(ValueError, match="same layers"):
        lessonkit.scan_layers(acts, labels, heldout=({0: acts[0]}, labels))
    with pytest.raises(ValueError, match="tokens but labels"):
        lessonkit.scan_layers(acts, labels[:-1])
    with pytest.raises(ValueError, match=r"^acts must be a dict .*layers, n_tokens, neurons"):
        lessonkit.scan_layers(np.zeros((3, 4)), [0, 1, 0])
    with pytest.raises(TypeError, match=r"^acts must be a numpy array"):
        lessonkit.scan_layers([[[0.0]], [[0.0, 1.0]]], [0, 1])  # ragged
    with pytest.raises(TypeError, match=r"^acts\[0\] must be a numpy array"):
        lessonkit.scan_layers({0: [[0.0], [0.0, 1.0]]}, [0, 1])
    with pytest.raises(ValueError, match=r"^acts\[7\] must be \[n_tokens, neurons\]"):
        lessonkit.scan_layers({7: np.zeros(4)}, [0, 1, 0, 1])
    with pytest.raises(ValueError, match=r"^labels must contain only 0 and 1"):
        lessonkit.scan_layers(acts, labels * 2)
    with pytest.raises(ValueError, match=r"^heldout\[0\] holds no layer"):
        lessonkit.scan_layers(acts, labels, heldout=({}, labels))
    with pytest.raises(ValueError, match=r"^heldout\[1\] must contain only 0 and 1"):
        lessonkit.scan_layers(acts, labels, heldout=(acts, labels * 2))


def test_check_layers_keeps_tensors_and_takes_a_batch_of_one():
    stacked = torch.zeros(2, 5, 3)
    layers = lessonkit.regression.check_layers(stacked, "acts")
    assert list(layers) == [0, 1] and all(isinstance(v, torch.Tensor) and v.shape == (5, 3) for v in layers.values())
    layers = lessonkit.regression.check_layers({4: torch.zeros(1, 5, 3), 9: np.zeros((1, 3)), 2: [[0.0, 1.0]] * 5}, "acts")
    assert isinstance(layers[4], torch.Tensor) and layers[4].shape == (5, 3)  # [1, tokens, neurons]: one sequence
    assert isinstance(layers[9], np.ndarray) and layers[9].shape == (1, 3)  # one token stays one token
    assert isinstance(layers[2], np.ndarray) and layers[2].shape == (5, 2)
    from_lists = lessonkit.regression.check_layers([[[0.0, 1.0]] * 5] * 2, "acts")
    assert list(from_lists) == [0, 1] and from_lists[1].shape == (5, 2)


def test_scan_layers_takes_one_path_for_the_whole_table(monkeypatch):
    """The path is chosen once, from the first layer's data, and asked of every fit and AUROC (here: a
    stand-in GPU that torch sees, and data counted as large; the work itself runs on the CPU)."""
    from lessonkit import fast
    from lessonkit.fast import paths

    acts, labels = fake_layers(0)
    real_engine, used = fast.engine, []
    monkeypatch.setattr(fast, "engine", lambda path: used.append(path) or real_engine("torch"))
    monkeypatch.setattr(fast, "_device_options", lambda path, x: {"device": "cpu"})
    monkeypatch.setattr(paths, "cuda_available", lambda load_torch=True: True)
    monkeypatch.setattr(paths, "GPU_WORTH_IT", 1000)  # 400 tokens x 50 neurons: large here
    monkeypatch.delenv("LESSONKIT_STATS_BACKEND", raising=False)
    table = lessonkit.scan_layers(acts, labels, heldout=(acts, labels))
    assert used == ["cuda"] * 6  # three layers: the fit and the AUROC in one call, the held-out AUROC in another
    used.clear()
    lessonkit.scan_layers(acts, labels, heldout=(acts, labels), backend="torch")
    assert used == ["torch"] * 6
    assert list(table.index) == list(range(len(table)))  # one row per neuron of every layer, numbered


def test_scan_layers_keeps_its_settings_and_uses_its_alpha():
    acts, labels = fake_layers(1)
    table = lessonkit.scan_layers(acts, labels, alpha=0.5, seed=7, correction="bonferroni", family="all")
    assert table.attrs == {"chance_auroc": 0.5, "alpha": 0.5, "correction": "bonferroni", "family": "all",
                           "n_sample": 2 * int(labels.sum()), "n_positive": int(labels.sum()), "seed": 7}
    assert table["significant"].tolist() == (table["pvalue"] < 0.5 / len(table)).tolist()  # .5 over all 150 neurons


def test_scan_layers_samples_with_seed_42_unless_told():
    acts, labels = fake_layers(1)
    default = lessonkit.scan_layers(acts, labels)
    assert default.attrs["seed"] == 42
    np.testing.assert_array_equal(default["pvalue"], lessonkit.scan_layers(acts, labels, seed=42)["pvalue"])
    assert not np.array_equal(default["pvalue"], lessonkit.scan_layers(acts, labels, seed=43)["pvalue"])


def test_scan_layers_against_a_statsmodels_loop_on_a_small_case():
    """Two layers, five neurons: every number of the table by statsmodels and a literal AUROC loop."""
    rng = np.random.default_rng(11)
    labels = (rng.random(160) < 0.3).astype(int)
    acts = {layer: rng.normal(size=(160, 5)) + np.outer(labels, [1.2, 0, -0.8, 0, 0.3]) * scale for layer, scale in ((4, 1.0), (9, 1.5))}
    table = lessonkit.scan_layers(acts, labels, seed=5)
    positives, negatives = np.flatnonzero(labels == 1), np.flatnonzero(labels == 0)
    sample = np.r_[positives, np.random.default_rng(5).choice(negatives, size=len(positives), replace=False)]
    for layer, x in acts.items():
        rows = table[table["layer"] == layer].reset_index(drop=True)
        for j in range(5):
            fit = sm.Logit(labels[sample], sm.add_constant(x[sample, j])).fit(disp=0)
            assert rows["beta"][j] == pytest.approx(fit.params[1], rel=1e-6)
            assert rows["pvalue"][j] == pytest.approx(fit.pvalues[1], rel=1e-6)
            assert rows["significant"][j] == (fit.pvalues[1] < 0.05 / 5)
            pos, neg = x[labels == 1, j], x[labels == 0, j]
            literal = np.mean([(a > b) + 0.5 * (a == b) for a in pos for b in neg])
            assert rows["auroc"][j] == pytest.approx(literal)
