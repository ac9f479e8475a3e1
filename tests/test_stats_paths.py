"""Which statistics path runs (lessonkit/_stats_paths.py), the numba kernel's compile cache, the GPU.

The numbers of every path are checked in test_regression.py (each path against statsmodels, the
readable Newton fit and a literal AUROC loop); here: the switch, its errors, what ``import lessonkit``
loads, the on-disk cache, and the GPU path (skipped without CUDA).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import types

import numpy as np
import pytest
import statsmodels.api as sm
import torch

import lessonkit
from lessonkit import _stats_paths

CUDA = torch.cuda.is_available()
needs_cuda = pytest.mark.skipif(not CUDA, reason="no CUDA GPU here")
needs_numba = pytest.mark.skipif(_stats_paths.numba_problem() is not None, reason="numba is not installed")


def run_python(code: str, **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, **env}
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, env=environment,
                          timeout=300)  # fmt: skip


def labelled(n: int = 400, m: int = 30, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.3).astype(np.float64)
    return (rng.normal(size=(n, m)) + y[:, None] * rng.normal(0, 1, m)).astype(np.float32), y


# ------------------------------------------------------------------------------------------ the switch


def test_auto_takes_numba_when_it_imports_else_torch(monkeypatch):
    monkeypatch.delenv("LESSONKIT_STATS_BACKEND", raising=False)
    x = np.zeros((10, 3))
    expected = "numba" if _stats_paths.numba_problem() is None else "torch"  # small CPU data: never the GPU
    assert lessonkit.stats_backend(x) == expected
    assert lessonkit.stats_backend() == expected  # no data yet: the same answer
    monkeypatch.setattr(_stats_paths, "numba_problem", lambda: "No module named 'numba'")
    assert lessonkit.stats_backend(x) == "torch"


def test_auto_takes_the_gpu_for_gpu_data_and_for_large_data_where_torch_sees_one(monkeypatch):
    """Without a GPU here: a stand-in for a CUDA tensor, and a cuda_available that says yes."""
    monkeypatch.delenv("LESSONKIT_STATS_BACKEND", raising=False)
    cpu = "numba" if _stats_paths.numba_problem() is None else "torch"
    on_a_gpu = types.SimpleNamespace(device=types.SimpleNamespace(type="cuda"), shape=(10, 3))
    assert lessonkit.stats_backend(on_a_gpu) == "cuda"
    asked = []
    monkeypatch.setattr(_stats_paths, "cuda_available", lambda load_torch=True: asked.append(load_torch) or True)
    large, small = np.zeros((1024, 1024), np.float32), np.zeros((1023, 1024), np.float32)  # 2**20 values is large
    assert (lessonkit.stats_backend(large), lessonkit.stats_backend(small)) == ("cuda", cpu)
    assert lessonkit.stats_backend([[0.0] * 3] * 1000) == cpu  # a list has no shape: not worth the copy
    assert set(asked) == {False}  # asked without importing torch for numpy work
    monkeypatch.setattr(_stats_paths, "cuda_available", lambda load_torch=True: False)
    assert lessonkit.stats_backend(large) == cpu


def test_cuda_available_asks_torch_and_imports_it_only_when_allowed(monkeypatch):
    gpu = types.SimpleNamespace(cuda=types.SimpleNamespace(is_available=lambda: True))
    monkeypatch.setitem(sys.modules, "torch", gpu)
    assert _stats_paths.cuda_available() is True and _stats_paths.cuda_available(load_torch=False) is True
    monkeypatch.delitem(sys.modules, "torch")
    imported = []
    monkeypatch.setattr(_stats_paths, "importlib", types.SimpleNamespace(import_module=lambda name: imported.append(name) or gpu))
    assert _stats_paths.cuda_available(load_torch=False) is False and imported == []
    assert _stats_paths.cuda_available() is True and imported == ["torch"]


def test_the_environment_variable_and_the_argument_force_a_path(monkeypatch):
    monkeypatch.setenv("LESSONKIT_STATS_BACKEND", "torch")
    assert lessonkit.stats_backend() == "torch"
    monkeypatch.setenv("LESSONKIT_STATS_BACKEND", " Torch ")
    assert lessonkit.stats_backend() == "torch"
    if _stats_paths.numba_problem() is None:
        assert lessonkit.stats_backend(backend="numba") == "numba"  # the argument wins over the variable


def test_unknown_path_is_a_clear_error(monkeypatch):
    with pytest.raises(ValueError, match=r"backend must be one of auto, numba, torch, cuda; got 'fortran'"):
        lessonkit.fit_logit(*labelled(), backend="fortran")
    monkeypatch.setenv("LESSONKIT_STATS_BACKEND", "gpu")
    with pytest.raises(ValueError, match=r"LESSONKIT_STATS_BACKEND must be one of .*got 'gpu'"):
        lessonkit.auroc(*labelled())


def test_numba_asked_for_but_missing_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(_stats_paths, "numba_problem", lambda: "No module named 'numba'")
    with pytest.raises(ImportError, match=r"pip install 'lessonkit\[fast\]'.*No module named 'numba'"):
        lessonkit.fit_logit(*labelled(), backend="numba")


@pytest.mark.skipif(CUDA, reason="this machine has a GPU")
def test_cuda_asked_for_without_a_gpu_is_a_clear_error():
    with pytest.raises(RuntimeError, match="needs a CUDA GPU"):
        lessonkit.scan_layers({0: labelled()[0]}, labelled()[1], backend="cuda")


def test_doctor_names_the_path(capsys, monkeypatch):
    from lessonkit.__main__ import main

    monkeypatch.setenv("LESSONKIT_OFFLINE", "1")
    monkeypatch.setenv("LESSONKIT_STATS_BACKEND", "torch")
    assert main(["doctor"]) == 0
    line = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("statistics"))
    assert "torch on the CPU" in line and "LESSONKIT_STATS_BACKEND=torch" in line


def test_import_lessonkit_loads_neither_numba_nor_torch():
    code = """
        import sys, lessonkit, lessonkit.regression
        print(sorted(name for name in ("numba", "torch") if name in sys.modules))
    """
    assert run_python(code).stdout.strip() == "[]"


# ------------------------------------------------------------------------------------------ the numba cache


@needs_numba
def test_kernels_are_cached_on_disk_for_the_next_process(tmp_path):
    code = """
        import json, time, numpy as np, lessonkit
        from lessonkit import _logit_numba
        rng = np.random.default_rng(0)
        x, y = rng.normal(size=(200, 20)).astype(np.float32), (np.arange(200) % 3 == 0)
        start = time.perf_counter()
        result = lessonkit.fit_logit(x, y, backend="numba"), lessonkit.auroc(x, y, backend="numba")
        kernels = _logit_numba._fit_kernel, _logit_numba._auroc_kernel
        print(json.dumps({"hits": sum(sum(k.stats.cache_hits.values()) for k in kernels),
                          "beta": result[0].beta.tolist(), "auroc": result[1].tolist()}))
    """
    first = run_python(code, NUMBA_CACHE_DIR=str(tmp_path))
    assert first.returncode == 0, first.stderr
    assert list(tmp_path.rglob("*.nbi")), "numba wrote no cache index"
    second = run_python(code, NUMBA_CACHE_DIR=str(tmp_path))
    one, two = json.loads(first.stdout), json.loads(second.stdout)
    assert one["hits"] == 0 and two["hits"] >= 2
    assert one["auroc"] == two["auroc"]  # counts: exact
    np.testing.assert_allclose(one["beta"], two["beta"], rtol=1e-12)  # the same code (equal here to the last bit)


@needs_numba
@pytest.mark.parametrize("setting", ["unwritable cache folder", "no cache locator at all"])
def test_the_kernels_run_uncached_where_nothing_can_be_written(tmp_path, setting):
    blocker = tmp_path / "a-file"
    blocker.write_text("numba cannot make a folder below a file, not even as root")
    env = {"NUMBA_CACHE_DIR": str(blocker / "cache")}
    if setting == "no cache locator at all":  # neither beside the package nor in a user folder
        env = {"NUMBA_CACHE_LOCATOR_CLASSES": "ZipCacheLocator"}
    code = """
        import json, numpy as np, lessonkit
        from lessonkit import _logit_numba
        rng = np.random.default_rng(1)
        x, y = rng.normal(size=(150, 70)), (np.arange(150) % 2 == 0)
        print(json.dumps({"cache": type(_logit_numba._fit_kernel._cache).__name__,
                          "numba": lessonkit.auroc(x, y, backend="numba").tolist(),
                          "torch": lessonkit.auroc(x, y, backend="torch").tolist()}))
    """
    done = run_python(code, **env)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["numba"] == out["torch"]
    if setting == "no cache locator at all":
        assert out["cache"] == "NullCache"
    assert not (blocker / "cache").exists()


# ------------------------------------------------------------------------------------------ the GPU


@needs_cuda
def test_cuda_tensors_are_fitted_on_their_gpu_with_statsmodels_numbers():
    x, y = labelled(m=40)
    on_gpu = torch.from_numpy(x).cuda()
    assert lessonkit.stats_backend(on_gpu) == "cuda"
    result = lessonkit.fit_logit(on_gpu, y)
    for j in range(40):
        fit = sm.Logit(y, sm.add_constant(x[:, j].astype(np.float64))).fit(disp=0)
        np.testing.assert_allclose([result.beta[j], result.se[j], result.pvalue[j]],
                                   [fit.params[1], fit.bse[1], fit.pvalues[1]], rtol=1e-6)
        assert result.n_iter[j] == fit.mle_retvals["iterations"]


@needs_cuda
def test_cuda_auroc_and_scan_equal_the_cpu_paths():
    rng = np.random.default_rng(2)
    labels = (rng.random(500) < 0.25).astype(int)
    acts = {layer: torch.from_numpy(np.round(rng.normal(size=(500, 300)), 1).astype(np.float32)) for layer in range(3)}
    on_gpu = {layer: a.cuda() for layer, a in acts.items()}
    np.testing.assert_array_equal(lessonkit.auroc(on_gpu[0], labels), lessonkit.auroc(acts[0], labels, backend="torch"))
    gpu, cpu = lessonkit.scan_layers(on_gpu, labels), lessonkit.scan_layers(acts, labels, backend="torch")
    np.testing.assert_array_equal(gpu["auroc"], cpu["auroc"])
    np.testing.assert_array_equal(gpu["significant"], cpu["significant"])
    np.testing.assert_allclose(gpu["beta"], cpu["beta"], rtol=1e-9)


@needs_cuda
def test_large_cpu_arrays_go_to_the_gpu_small_ones_stay(monkeypatch):
    monkeypatch.delenv("LESSONKIT_STATS_BACKEND", raising=False)
    assert lessonkit.stats_backend(np.zeros((1024, 4096), dtype=np.float32)) == "cuda"
    assert lessonkit.stats_backend(np.zeros((440, 10))) in ("numba", "torch")


def test_a_small_cache_budget_cuts_the_neurons_into_more_chunks_with_the_same_numbers(monkeypatch):
    from lessonkit import _logit_torch

    x, y = labelled(n=300, m=7, seed=4)
    whole = lessonkit.fit_logit(x, y, backend="torch")
    monkeypatch.setattr(_logit_torch, "CPU_BLOCK_BYTES", 8 * 300 * 2 + 1200)  # room for 2.5 neurons: chunks of 2
    chunked = lessonkit.fit_logit(x, y, backend="torch")
    for name in ("beta", "se", "pvalue", "n_iter"):
        np.testing.assert_allclose(getattr(chunked, name), getattr(whole, name), rtol=1e-12, err_msg=name)


def test_the_gpu_branches_give_the_cpu_numbers(monkeypatch):
    """The GPU code (one chunk for all neurons, torch's sort and reductions) run on CPU tensors, so
    that it is checked on every machine; the tests above run it on a real GPU where there is one."""
    from lessonkit import _logit_torch

    x, y = labelled(m=50, seed=3)
    x[:, :2] = np.round(x[:, :2])  # ties
    x[:, 2] = np.where(y == 1, 0.5, -0.5)  # separated, inside the other neurons' range
    cpu_fit, cpu_auroc = lessonkit.fit_logit(x, y, backend="torch"), lessonkit.auroc(x, y, backend="torch")
    monkeypatch.setattr(_logit_torch, "_on_gpu", lambda tensor: True)
    gpu_fit, gpu_auroc = lessonkit.fit_logit(x, y, backend="torch"), lessonkit.auroc(x, y, backend="torch")
    np.testing.assert_array_equal(gpu_auroc, cpu_auroc)
    for name in ("separated", "constant", "converged", "n_iter"):
        np.testing.assert_array_equal(getattr(gpu_fit, name), getattr(cpu_fit, name))
    np.testing.assert_allclose(gpu_fit.beta, cpu_fit.beta, rtol=1e-12)
    np.testing.assert_allclose(gpu_fit.pvalue, cpu_fit.pvalue, rtol=1e-10)
    for j in (0, 3, 4):
        fit = sm.Logit(y, sm.add_constant(x[:, j].astype(np.float64))).fit(disp=0)
        np.testing.assert_allclose([gpu_fit.beta[j], gpu_fit.se[j]], [fit.params[1], fit.bse[1]], rtol=1e-6)
