"""Mutation testing: do the tests catch small bugs in the modules that compute what students read?

``make mutants`` (not part of ``make test``) runs mutmut (https://github.com/boxed/mutmut): it makes
many small changes to each module below, one at a time (``<`` for ``<=``, ``+ 1``, ``None`` for an
argument, ...), runs the module's tests against each, and counts a change as *killed* when some test
fails. It prints the score per module and overall, and every surviving change as a diff.

``TARGETS`` is the one place that says which modules are mutated and which tests their mutants run
(fast tests only: no notebooks, no browser, nothing marked slow). A module that moves (into a
subpackage, say) only changes its key here. Modules with the same tests share one mutmut run.

Not mutated: prose. That is every line of an error message, a hint or a warning (``MESSAGE_LINES``),
and every other string with a space in it (a hint in a table of mistakes); strings without one
("lecture", "output", "cuda") are code and are mutated. The tests check the words that matter in
prose (``pytest.raises(match=...)``, a hint's key phrase), so "XX" around a sentence would survive
without telling anything about the numbers students read.

    python tests/mutation.py                      # everything (what `make mutants` runs)
    python tests/mutation.py lessonkit/beyond/probes.py  # one module (and those sharing its tests)
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "build" / "mutants"


@dataclass(frozen=True)
class Tests:
    """What a module's mutants run: pytest arguments (files, ``-k``) and extra environment variables."""

    args: tuple[str, ...]
    env: tuple[tuple[str, str], ...] = ()
    why: str = ""


# the SmolLM2 variants load the model for its tokenizer: seconds a mutant, and the GPT-2 ones test the same code
TAGGING = Tests(("tests/test_tagging.py", "tests/test_word_rule.py", "tests/test_gold.py", "-k", "not smollm2"))
# not: the tests that start a new Python (it imports the package unmutated) and the random gpt2-medium layer
# (the small cases' arithmetic at scale, seconds a mutant)
REGRESSION = Tests(("tests/test_regression.py", "tests/test_stats_paths.py", "tests/test_fast.py", "-k",
                    "not gpt2_activations and not cached_on_disk and not run_uncached and not import_lessonkit"))
# numba cannot compile mutmut's trampolines: the kernels run as plain Python (same arithmetic, ~100x
# slower), so only the numba path's small cases run: not its SmolLM2 parity, scan_layers and 200 x 130
# AUROC (each the same kernels on more data, 6-28 s a mutant), nor the other paths' parametrisations
NUMBA = Tests(("tests/test_regression.py", "tests/test_stats_paths.py", "-k",
               "(numba or readable or every_path) and not torch- and not cuda and not smollm2 and not scan_layers "
               "and not 200-130 and not gpt2_activations and not cached_on_disk and not run_uncached and not import_lessonkit"),
              env=(("NUMBA_DISABLE_JIT", "1"),), why="kernels run as Python (NUMBA_DISABLE_JIT=1)")  # fmt: skip
HEATMAP = Tests(("tests/test_heatmap.py",))
HOOKS = Tests(("tests/test_hooks.py", "tests/test_hooks_classroom.py", "tests/test_off_cpu.py"))
ABLATION = Tests(("tests/test_ablation.py",))
UNCERTAINTY = Tests(("tests/test_controls.py",))
PROBES = Tests(("tests/test_readout_probes_page.py",))
ATLAS_STATE = Tests(("tests/test_atlas.py",))
CHECKS = Tests(("tests/test_checks.py", "tests/test_checks_cases.py"))

TARGETS: dict[str, Tests] = {
    "lessonkit/tagging.py": TAGGING,
    "lessonkit/_machinery/tagging_fast.py": TAGGING,
    "lessonkit/beyond/word_rule.py": TAGGING,
    "lessonkit/regression.py": REGRESSION,
    "lessonkit/fast/__init__.py": REGRESSION,
    "lessonkit/fast/paths.py": REGRESSION,
    "lessonkit/fast/torch_engine.py": REGRESSION,
    "lessonkit/fast/numba_engine.py": NUMBA,
    "lessonkit/heatmap.py": HEATMAP,
    "lessonkit/hooks.py": HOOKS,
    "lessonkit/_machinery/mlp_sites.py": HOOKS,
    "lessonkit/beyond/ablation.py": ABLATION,
    "lessonkit/beyond/uncertainty.py": UNCERTAINTY,
    "lessonkit/beyond/probes.py": PROBES,
    "lessonkit/atlas/state.py": ATLAS_STATE,
    "lessonkit/checks/__init__.py": CHECKS,
    "lessonkit/checks/_tools.py": CHECKS,
    "lessonkit/checks/_lecture.py": CHECKS,
    "lessonkit/checks/_beyond.py": CHECKS,
    "lessonkit/checks/_models.py": CHECKS,
}

# Survivors that no test here should kill, each with its reason: equivalent mutants (nothing a caller
# can see changes), changes to speed machinery only (the same numbers, more slowly), GPU-only changes
# (the needs_cuda tests catch them on a machine with a GPU), and the few changes that give answers as
# right as the code's. (file::function, the line before, the line after) -> why. A key that stops
# matching (the code changed) shows its mutant as a survivor again, to be looked at.
# reasons shared by many of the checks' survivors
CASE_CONSTANT = 'another synthetic case of the same kind: every right answer and every typical mistake in the tests gets the same verdict and hint on it'
CASE_CONSTANT_DRAWS = CASE_CONSTANT + " (a repeated draw only makes fewer proper nouns)"
COLOUR_TABLE = "colours come from matplotlib's 256-entry table: an answer is that entry (the same floats) or another (about 4e-3 away); no answer lies between the default 1e-9 and 1e-6"
FLOAT_COLOURS = 'the colour map takes the floats it is given (a is float64 here) and returns float64: the same colours'
NEGATIVE_SIZE = "numpy 2 reads any negative size as 'the rest', as -1"
TIGHTER_TOLERANCE = "numpy's default rtol 1e-5 instead: still accepts statsmodels' numbers, which a right answer reproduces to ~1e-10; only an answer off by 1e-5 to 1e-4 (1e-3 for p) of the value would change"
TINY_MODELS_STILL_TELL = "every check on the tiny models still passes the right answers and tells each mistake apart (test_checks.py, test_checks_cases.py)"
UNSET_STRICT = 'an unset variable reads "XXXX" instead of "": neither is a yes, both lenient'
FLOAT_LABELS = "the labels as floats 0.0/1.0: every answer in the tests reads them through comparisons with 1 (or lessonkit's functions, which take any 0/1 numbers), the same pairs and samples"
CHOICE_BETAS = "the largest significant beta is above 1 on both texts (training: 0.46, 0.91, 1.79 -- neuron 4, the right one; held-out: 0.87, 1.76, 6.40 -- neuron 7, the held-out star): >= 0 or > 1 keeps the same largest"
RIGHT_LOSSES = "a right answer (float32 or float64, log_softmax, log of softmax, logsumexp minus the logit) matches the float32 cross-entropy within 1.1e-7 relative on both cases (losses above 2.1): same()'s own rtol 1e-6 and atol 1e-9 accept it too"
SPECIAL_TOKENS = "the special token ids are read only when generating or padding: a forward pass on given token ids is the same"
INPUT_HINT_ONLY = "only the hint changes, not the verdict: an answer shaped as the module's input fails either way ('you kept the input' or 'hook the module given'); the input itself is equal at any tolerance"
AFTER_STAYS_APART = "the right answer stays apart from the activations: the tiny models' neurons reach -2.7 to -4.9 on every text, where GELU and SiLU are near 0 (|n - act(n)| > 2.6); for a wrong answer only which hint it gets"
SAME_RECORDING = "the answers the comparison must accept are the model's own module outputs (the neurons, or the activation's output) from a deterministic CPU forward pass: the same float32 numbers as the reference, equal at any tolerance"
HOOK_RUNS = "another layer or text for the error and stop-button runs: the check's stop still comes mid-forward with the student's hook on, and the hooks are counted after"
TIE_MOVED = "one value of an AUROC case tied or untied: every right answer and every typical mistake in the tests gets the same verdict and hint (a tie mistake is caught on this case or on the one-tie case, with the same hint)"
OTHER_TINY_ARCHITECTURE = "another tiny architecture (a size or head count at its default): " + TINY_MODELS_STILL_TELL
EVERY_LAYER_RECORDED = "recording every layer gives the same acts[layer] and the same site for this layer"
EXACTLY_AT_1E9 = "differs only for an AUROC exactly 1e-9 from a mistake's"

EXPLAINED: dict[tuple[str, str, str], str] = {
    # regression
    ("lessonkit/fast/paths.py::_size", 'return int(np.prod(getattr(data, "shape", ()) or (0,)))',
     'return int(np.prod(getattr(data, "shape", None) or (0,)))'): "None or (0,) is (0,), as () or (0,)",
    ("lessonkit/fast/paths.py::_size", 'return int(np.prod(getattr(data, "shape", ()) or (0,)))',
     'return int(np.prod(getattr(data, "shape", ()) or (1,)))'): "data without a shape counts 1 value instead of 0: small either way",
    ("lessonkit/regression.py::fit_one_neuron", "x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)",
     "x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=None)"):
        "y enters only through y - p, and p is float64: the same float64 differences for any numeric labels",
    ("lessonkit/regression.py::fit_one_neuron", "x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)",
     "x, y = np.asarray(x, dtype=np.float64), np.asarray(y, )"):
        "y enters only through y - p, and p is float64: the same float64 differences for any numeric labels",
    ("lessonkit/regression.py::fit_one_neuron", "small = abs(new_intercept - intercept) <= tol and abs(new_beta - beta) <= tol",
     "small = abs(new_intercept - intercept) < tol and abs(new_beta - beta) <= tol"): "differs only for a step of exactly 1e-8",
    ("lessonkit/regression.py::fit_one_neuron", "small = abs(new_intercept - intercept) <= tol and abs(new_beta - beta) <= tol",
     "small = abs(new_intercept - intercept) <= tol and abs(new_beta - beta) < tol"): "differs only for a step of exactly 1e-8",
    ("lessonkit/regression.py::auroc_one_neuron", "x, y = np.asarray(x, dtype=np.float64), np.asarray(y)",
     "x, y = np.asarray(x, dtype=None), np.asarray(y)"): "only compared (>, ==): exact in any real dtype",
    ("lessonkit/regression.py::auroc_one_neuron", "x, y = np.asarray(x, dtype=np.float64), np.asarray(y)",
     "x, y = np.asarray(x, ), np.asarray(y)"): "only compared (>, ==): exact in any real dtype",
    ("lessonkit/regression.py::__repr__", "significant = int(bonferroni(self.pvalue).sum()) if n else 0",
     "significant = int(bonferroni(self.pvalue).sum()) if (n) or True else 0"): "with no neurons the count is 0 either way",
    ("lessonkit/regression.py::benjamini_hochberg", 'order = np.argsort(np.where(np.isnan(flat), np.inf, flat), kind="stable")',
     "order = np.argsort(np.where(np.isnan(flat), np.inf, flat), kind=None)"):
        "tied p-values pass or fail together (p_(k) <= k/m alpha implies p_(k+1) <= (k+1)/m alpha), so their order is free",
    ("lessonkit/regression.py::benjamini_hochberg", 'order = np.argsort(np.where(np.isnan(flat), np.inf, flat), kind="stable")',
     "order = np.argsort(np.where(np.isnan(flat), np.inf, flat), )"):
        "tied p-values pass or fail together (p_(k) <= k/m alpha implies p_(k+1) <= (k+1)/m alpha), so their order is free",
    ("lessonkit/regression.py::benjamini_hochberg", 'order = np.argsort(np.where(np.isnan(flat), np.inf, flat), kind="stable")',
     'order = np.argsort(np.where(np.isnan(flat), np.inf, flat), kind="STABLE")'): "numpy reads the sort kind case-blind",
    ("lessonkit/regression.py::benjamini_hochberg", 'order = np.argsort(np.where(np.isnan(flat), np.inf, flat), kind="stable")',
     'order = np.argsort(np.where(None, np.inf, flat), kind="stable")'): "numpy's argsort puts NaN last by itself",
    ("lessonkit/regression.py::benjamini_hochberg", 'with np.errstate(invalid="ignore"):', "with np.errstate(invalid=None):"):
        "comparing NaN raises no floating-point warning in numpy 2",
    ("lessonkit/regression.py::top_neurons", 'chosen = pd.concat([significant[significant["beta"] > 0].nlargest(top, "beta"),',
     'chosen = pd.concat([significant[significant["beta"] >= 0].nlargest(top, "beta"),'):
        "a significant neuron with beta exactly 0 does not exist (its p-value is 1)",
    ("lessonkit/regression.py::top_neurons", 'significant[significant["beta"] < 0].nsmallest(top, "beta")])  # fmt: skip',
     'significant[significant["beta"] <= 0].nsmallest(top, "beta")])  # fmt: skip'):
        "a significant neuron with beta exactly 0 does not exist (its p-value is 1)",
    ("lessonkit/regression.py::top_neurons", 'flip = chosen["beta"] < 0', 'flip = chosen["beta"] <= 0'):
        "no chosen neuron has beta exactly 0",
    ("lessonkit/regression.py::top_neurons", 'result["chance"] = table.attrs.get("chance_auroc", CHANCE_AUROC)',
     'result["chance"] = table.attrs.get(None, CHANCE_AUROC)'): "scan_layers always stores 0.5, what the fallback gives",
    ("lessonkit/regression.py::top_neurons", 'result["chance"] = table.attrs.get("chance_auroc", CHANCE_AUROC)',
     'result["chance"] = table.attrs.get("XXchance_aurocXX", CHANCE_AUROC)'): "scan_layers always stores 0.5, what the fallback gives",
    ("lessonkit/regression.py::top_neurons", 'result["chance"] = table.attrs.get("chance_auroc", CHANCE_AUROC)',
     'result["chance"] = table.attrs.get("CHANCE_AUROC", CHANCE_AUROC)'): "scan_layers always stores 0.5, what the fallback gives",
    ("lessonkit/regression.py::scan_layers", "fit = logit_result(done.fit, MAXITER, done.nobs)",
     "fit = logit_result(done.fit, MAXITER, None)"): "the table reads only the fit's beta, se and p-value, never its nobs",
    # regression's engines and inputs
    ('lessonkit/fast/torch_engine.py::_class_ranges', "if not _on_gpu(x):  # numpy's reductions are quicker than torch's here, and need no threads",
     "if _on_gpu(x):  # numpy's reductions are quicker than torch's here, and need no threads"):
        "GPU only: on the CPU both branches give the same ranges (test_the_gpu_branches_give_the_cpu_numbers); a GPU tensor in numpy's branch fails the needs_cuda tests",
    ('lessonkit/fast/torch_engine.py::_class_ranges', 'finite=np.isfinite(values).all(0))  # fmt: skip',
     'finite=np.isfinite(values).all(None))  # fmt: skip'):
        'fit_logit refuses a matrix with any non-finite value, so one flag for all neurons gives the same answer',
    ('lessonkit/fast/torch_engine.py::_fit_on_cpu_threads', 'block = max(1, min(block, k, CPU_BLOCK_BYTES // (8 * n)))',
     'block = max(2, min(block, k, CPU_BLOCK_BYTES // (8 * n)))'):
        'speed only: the same numbers (test_results_do_not_depend_on_the_block_size, _threads_)',
    ('lessonkit/fast/torch_engine.py::_fit_on_cpu_threads', 'block = max(1, min(block, k, CPU_BLOCK_BYTES // (8 * n)))',
     'block = max(1, min(k, CPU_BLOCK_BYTES // (8 * n)))'):
        'speed only: the same numbers (test_results_do_not_depend_on_the_block_size, _threads_)',
    ('lessonkit/fast/torch_engine.py::_fit_on_cpu_threads', 'block = max(1, min(block, k, CPU_BLOCK_BYTES // (8 * n)))',
     'block = max(1, min(block, CPU_BLOCK_BYTES // (8 * n)))'):
        'speed only: the same numbers (test_results_do_not_depend_on_the_block_size, _threads_)',
    ('lessonkit/fast/torch_engine.py::_fit_on_cpu_threads', 'block = max(1, min(block, k, CPU_BLOCK_BYTES // (8 * n)))',
     'block = max(1, min(block, k, ))'):
        'speed only: the same numbers (test_results_do_not_depend_on_the_block_size, _threads_)',
    ('lessonkit/fast/torch_engine.py::_fit_on_cpu_threads', 'block = max(1, min(block, k, CPU_BLOCK_BYTES // (8 * n)))',
     'block = max(1, min(block, k, CPU_BLOCK_BYTES // (8 / n)))'):
        'speed only: the same numbers (test_results_do_not_depend_on_the_block_size, _threads_)',
    ('lessonkit/fast/torch_engine.py::_fit_on_cpu_threads', 'block = max(1, min(block, k, CPU_BLOCK_BYTES // (8 * n)))',
     'block = max(1, min(block, k, CPU_BLOCK_BYTES // (9 * n)))'):
        'speed only: the same numbers (test_results_do_not_depend_on_the_block_size, _threads_)',
    ('lessonkit/fast/torch_engine.py::_fit_on_cpu_threads', 'if not hasattr(scratch, "arrays"):',
     'if not hasattr(None, "arrays"):'):
        'speed only: fresh work arrays for every chunk',
    ('lessonkit/fast/torch_engine.py::_fit_on_cpu_threads', 'if not hasattr(scratch, "arrays"):',
     'if not hasattr(scratch, "XXarraysXX"):'):
        'speed only: fresh work arrays for every chunk',
    ('lessonkit/fast/torch_engine.py::_fit_on_cpu_threads', 'if not hasattr(scratch, "arrays"):',
     'if not hasattr(scratch, "ARRAYS"):'):
        'speed only: fresh work arrays for every chunk',
    ('lessonkit/fast/torch_engine.py::_fit_on_cpu_threads', 'first, last = int(chunk[0]), int(chunk[-1]) + 1',
     'first, last = int(chunk[0]), int(chunk[-1]) - 1'):
        'speed only: the columns are gathered instead of sliced',
    ('lessonkit/fast/torch_engine.py::_fit_on_cpu_threads', 'first, last = int(chunk[0]), int(chunk[-1]) + 1',
     'first, last = int(chunk[0]), int(chunk[-1]) + 2'):
        'speed only: the columns are gathered instead of sliced',
    ('lessonkit/fast/torch_engine.py::_fit_on_cpu_threads', 'columns = x[:, first:last] if last - first == len(chunk) else x[:, chunk]  # a slice copies once',
     'columns = x[:, first:last] if (last - first == len(chunk)) and False else x[:, chunk]  # a slice copies once'):
        'speed only: the columns are gathered instead of sliced',
    ('lessonkit/fast/torch_engine.py::_fit_on_cpu_threads', 'columns = x[:, first:last] if last - first == len(chunk) else x[:, chunk]  # a slice copies once',
     'columns = x[:, first:last] if last + first == len(chunk) else x[:, chunk]  # a slice copies once'):
        'the same test where first is 0; elsewhere (columns ascending) last + first > len(chunk): gathered, the same numbers',
    ('lessonkit/fast/torch_engine.py::_fit_on_cpu_threads', 'return _newton(rows, labels, maxiter, tol, ridge, scratch.arrays[1:])',
     'return _newton(rows, labels, maxiter, tol, ridge, None)'):
        'speed only: _newton makes its own work arrays',
    ('lessonkit/fast/torch_engine.py::_fit_on_cpu_threads', 'return _newton(rows, labels, maxiter, tol, ridge, scratch.arrays[1:])',
     'return _newton(rows, labels, maxiter, tol, ridge, )'):
        'speed only: _newton makes its own work arrays',
    ('lessonkit/fast/torch_engine.py::_newton', 'scratch = torch.empty((3, k, n), dtype=x.dtype, device=x.device)',
     'scratch = torch.empty((3, k, n), dtype=x.dtype, device=None)'):
        'GPU only: on the CPU, device=None is the same device; the needs_cuda tests in test_stats_paths.py catch it on a GPU',
    ('lessonkit/fast/torch_engine.py::_newton', 'scratch = torch.empty((3, k, n), dtype=x.dtype, device=x.device)',
     'scratch = torch.empty((3, k, n), dtype=x.dtype, )'):
        'GPU only: on the CPU, device=None is the same device; the needs_cuda tests in test_stats_paths.py catch it on a GPU',
    ('lessonkit/fast/torch_engine.py::_newton', 'options = dict(dtype=torch.float64, device=x.device)',
     'options = dict(dtype=torch.float64, device=None)'):
        'GPU only: on the CPU, device=None is the same device; the needs_cuda tests in test_stats_paths.py catch it on a GPU',
    ('lessonkit/fast/torch_engine.py::_newton', 'options = dict(dtype=torch.float64, device=x.device)',
     'options = dict(dtype=torch.float64, )'):
        'GPU only: on the CPU, device=None is the same device; the needs_cuda tests in test_stats_paths.py catch it on a GPU',
    ('lessonkit/fast/torch_engine.py::_newton', 'out = {name: torch.full((k,), float("nan"), **options) for name in ("beta", "intercept", "var")}',
     'out = {name: torch.full((k,), float("NAN"), **options) for name in ("beta", "intercept", "var")}'):
        'float() reads "NAN" as "nan"',
    ('lessonkit/fast/torch_engine.py::_newton', 'out["n_iter"] = torch.zeros(k, dtype=torch.int64, device=x.device)',
     'out["n_iter"] = torch.zeros(k, dtype=None, device=x.device)'):
        "whole step counts in float32, copied into fit's int64 array: the same numbers",
    ('lessonkit/fast/torch_engine.py::_newton', 'out["n_iter"] = torch.zeros(k, dtype=torch.int64, device=x.device)',
     'out["n_iter"] = torch.zeros(k, device=x.device)'):
        "whole step counts in float32, copied into fit's int64 array: the same numbers",
    ('lessonkit/fast/torch_engine.py::_newton', 'out["n_iter"] = torch.zeros(k, dtype=torch.int64, device=x.device)',
     'out["n_iter"] = torch.zeros(k, dtype=torch.int64, device=None)'):
        'GPU only: on the CPU, device=None is the same device; the needs_cuda tests in test_stats_paths.py catch it on a GPU',
    ('lessonkit/fast/torch_engine.py::_newton', 'out["n_iter"] = torch.zeros(k, dtype=torch.int64, device=x.device)',
     'out["n_iter"] = torch.zeros(k, dtype=torch.int64, )'):
        'GPU only: on the CPU, device=None is the same device; the needs_cuda tests in test_stats_paths.py catch it on a GPU',
    ('lessonkit/fast/torch_engine.py::_newton', 'rows = torch.arange(k, device=x.device)',
     'rows = torch.arange(k, device=None)'):
        'GPU only: on the CPU, device=None is the same device; the needs_cuda tests in test_stats_paths.py catch it on a GPU',
    ('lessonkit/fast/torch_engine.py::_newton', 'rows = torch.arange(k, device=x.device)',
     'rows = torch.arange(k, )'):
        'GPU only: on the CPU, device=None is the same device; the needs_cuda tests in test_stats_paths.py catch it on a GPU',
    ('lessonkit/fast/torch_engine.py::_newton', 'a, b = torch.zeros(k, **options), torch.zeros(k, **options)  # intercepts, slopes',
     'a, b = torch.zeros(k, ), torch.zeros(k, **options)  # intercepts, slopes'):
        'float32 zeros: the first update adds a float64 step, and float32 + float64 is float64 (on a GPU the needs_cuda tests)',
    ('lessonkit/fast/torch_engine.py::_newton', 'a, b = torch.zeros(k, **options), torch.zeros(k, **options)  # intercepts, slopes',
     'a, b = torch.zeros(k, **options), torch.zeros(k, )  # intercepts, slopes'):
        'float32 zeros: the first update adds a float64 step, and float32 + float64 is float64 (on a GPU the needs_cuda tests)',
    ('lessonkit/fast/torch_engine.py::_newton', 'out["var"][ids] = torch.where(det > 0, s_w[which] / det, float("nan"))  # [H^-1]_11, no ridge',
     'out["var"][ids] = torch.where(det >= 0, s_w[which] / det, float("nan"))  # [H^-1]_11, no ridge'):
        'det is exactly 0 only when every weight sits on one x (a constant neuron), and those are never fitted',
    ('lessonkit/fast/torch_engine.py::_newton', 'out["var"][ids] = torch.where(det > 0, s_w[which] / det, float("nan"))  # [H^-1]_11, no ridge',
     'out["var"][ids] = torch.where(det > 0, s_w[which] / det, float("NAN"))  # [H^-1]_11, no ridge'):
        'float() reads "NAN" as "nan"',
    ('lessonkit/fast/torch_engine.py::_newton', 'done = torch.zeros(k, dtype=torch.bool, device=x.device)  # stepped for the last time',
     'done = torch.zeros(k, dtype=None, device=x.device)  # stepped for the last time'):
        'the first value is only asked done.any() (False) before step 0 replaces it with a bool tensor',
    ('lessonkit/fast/torch_engine.py::_newton', 'done = torch.zeros(k, dtype=torch.bool, device=x.device)  # stepped for the last time',
     'done = torch.zeros(k, device=x.device)  # stepped for the last time'):
        'the first value is only asked done.any() (False) before step 0 replaces it with a bool tensor',
    ('lessonkit/fast/torch_engine.py::_newton', 'done = torch.zeros(k, dtype=torch.bool, device=x.device)  # stepped for the last time',
     'done = torch.zeros(k, dtype=torch.bool, device=None)  # stepped for the last time'):
        'GPU only: on the CPU, device=None is the same device; the needs_cuda tests in test_stats_paths.py catch it on a GPU',
    ('lessonkit/fast/torch_engine.py::_newton', 'done = torch.zeros(k, dtype=torch.bool, device=x.device)  # stepped for the last time',
     'done = torch.zeros(k, dtype=torch.bool, )  # stepped for the last time'):
        'GPU only: on the CPU, device=None is the same device; the needs_cuda tests in test_stats_paths.py catch it on a GPU',
    ('lessonkit/fast/torch_engine.py::_newton', 'for step in range(maxiter + 1):',
     'for step in range(maxiter + 2):'):
        'at step maxiter every row finishes and the loop breaks: the extra step never runs',
    ('lessonkit/fast/torch_engine.py::_newton', 's_p, s_px, s_w, s_wx, s_wx2 = _sums(work[: len(rows)], a, b, buffers[:, : len(rows)], at_zero=step == 0)',
     's_p, s_px, s_w, s_wx, s_wx2 = _sums(work[: len(rows)], a, b, buffers[:, : len(rows)], at_zero=None)'):
        'speed only: at a = b = 0 the sigmoid is exactly 1/2 and halving is exact, so the general sums give the same bits',
    ('lessonkit/fast/torch_engine.py::_newton', 'finish(done, s_w, s_wx, s_wx2, steps=step)',
     'finish(None, s_w, s_wx, s_wx2, steps=step)'):
        'writes every row still stepping, but each row is written again, last, at its own finish: the same results',
    ('lessonkit/fast/torch_engine.py::_newton', 'done = ~((da.abs() > tol) | (db.abs() > tol))  # statsmodels goes on while some |step| > tol',
     'done = ~((da.abs() >= tol) | (db.abs() > tol))  # statsmodels goes on while some |step| > tol'):
        'differs only for a step of exactly 1e-8',
    ('lessonkit/fast/torch_engine.py::_newton', 'done = ~((da.abs() > tol) | (db.abs() > tol))  # statsmodels goes on while some |step| > tol',
     'done = ~((da.abs() > tol) | (db.abs() >= tol))  # statsmodels goes on while some |step| > tol'):
        'differs only for a step of exactly 1e-8',
    ('lessonkit/fast/torch_engine.py::_sums', 'sum_x, sum_x2 = x.sum(1), torch.mul(x, x, out=tmp).sum(1)',
     'sum_x, sum_x2 = x.sum(1), torch.mul(x, x, out=None).sum(1)'):
        'speed only: a fresh array instead of the work array',
    ('lessonkit/fast/torch_engine.py::_sums', 'sum_x, sum_x2 = x.sum(1), torch.mul(x, x, out=tmp).sum(1)',
     'sum_x, sum_x2 = x.sum(1), torch.mul(x, x, ).sum(1)'):
        'speed only: a fresh array instead of the work array',
    ('lessonkit/fast/torch_engine.py::_sums', 'torch.sigmoid(torch.mul(x, b[:, None], out=p).add_(a[:, None]), out=p)',
     'torch.sigmoid(torch.mul(x, b[:, None], out=None).add_(a[:, None]), out=p)'):
        'speed only: a fresh array instead of the work array',
    ('lessonkit/fast/torch_engine.py::_sums', 'torch.sigmoid(torch.mul(x, b[:, None], out=p).add_(a[:, None]), out=p)',
     'torch.sigmoid(torch.mul(x, b[:, None], ).add_(a[:, None]), out=p)'):
        'speed only: a fresh array instead of the work array',
    ('lessonkit/fast/torch_engine.py::_sums', 's_p, s_px = p.sum(1), torch.mul(p, x, out=tmp).sum(1)',
     's_p, s_px = p.sum(1), torch.mul(p, x, out=None).sum(1)'):
        'speed only: a fresh array instead of the work array',
    ('lessonkit/fast/torch_engine.py::_sums', 's_p, s_px = p.sum(1), torch.mul(p, x, out=tmp).sum(1)',
     's_p, s_px = p.sum(1), torch.mul(p, x, ).sum(1)'):
        'speed only: a fresh array instead of the work array',
    ('lessonkit/fast/paths.py::check_pvalues', 'p = as_numpy(pvalues, "pvalues").astype(np.float64)',
     'p = as_numpy(pvalues, "pvalues").astype(None)'):
        'astype(None) is float64',
    ('lessonkit/regression.py::balanced_sample', 'chosen = np.random.default_rng(seed).choice(negatives, size=len(positives), replace=False)',
     'chosen = np.random.default_rng(seed).choice(negatives, size=len(positives), replace=None)'):
        'numpy reads replace=None as False',
    ('lessonkit/regression.py::bonferroni', 'with np.errstate(invalid="ignore"):',
     'with np.errstate(invalid=None):'):
        'comparing NaN raises no floating-point warning in numpy 2',
    ('lessonkit/fast/torch_engine.py::fit', 'block: int = 1024, device: Any = None) -> dict[str, np.ndarray]:  # fmt: skip',
     'block: int = 1025, device: Any = None) -> dict[str, np.ndarray]:  # fmt: skip'):
        'speed only: the same numbers in chunks of any size',
    ('lessonkit/fast/torch_engine.py::fit', 'x = _tensor(x, device)',
     'x = _tensor(x, None)'):
        'GPU only: on the CPU, device=None is the same device; the needs_cuda tests in test_stats_paths.py catch it on a GPU',
    ('lessonkit/fast/torch_engine.py::fit', 'labels = torch.from_numpy(np.asarray(y) == 1).to(x.device)',
     'labels = torch.from_numpy(np.asarray(y) == 1).to(None)'):
        'GPU only: on the CPU, device=None is the same device; the needs_cuda tests in test_stats_paths.py catch it on a GPU',
    ('lessonkit/fast/torch_engine.py::fit', 'k, n = x.shape[1], x.shape[0]',
     'k, n = x.shape[1], x.shape[1]'):
        "n only sizes the GPU's chunks: GPU chunk size: speed and memory only (the same numbers in chunks of any size)",
    ('lessonkit/fast/torch_engine.py::fit', 'index = torch.from_numpy(columns).to(x.device)',
     'index = torch.from_numpy(columns).to(None)'):
        'GPU only: on the CPU, device=None is the same device; the needs_cuda tests in test_stats_paths.py catch it on a GPU',
    ('lessonkit/fast/torch_engine.py::fit', 'block = max(1, min(len(columns), GPU_BLOCK_BYTES // (8 * n)))',
     'block = max(2, min(len(columns), GPU_BLOCK_BYTES // (8 * n)))'):
        'GPU chunk size: speed and memory only (the same numbers in chunks of any size)',
    ('lessonkit/fast/torch_engine.py::fit', 'block = max(1, min(len(columns), GPU_BLOCK_BYTES // (8 * n)))',
     'block = max(1, min(len(columns), GPU_BLOCK_BYTES / (8 * n)))'):
        'GPU chunk size: speed and memory only (the same numbers in chunks of any size); a float size would need a layer past 1 GiB (134M values), where the needs_cuda tests do not reach',
    ('lessonkit/fast/torch_engine.py::fit', 'block = max(1, min(len(columns), GPU_BLOCK_BYTES // (8 * n)))',
     'block = max(1, min(len(columns), GPU_BLOCK_BYTES // (8 / n)))'):
        'GPU chunk size: speed and memory only (the same numbers in chunks of any size)',
    ('lessonkit/fast/torch_engine.py::fit', 'block = max(1, min(len(columns), GPU_BLOCK_BYTES // (8 * n)))',
     'block = max(1, min(len(columns), GPU_BLOCK_BYTES // (9 * n)))'):
        'GPU chunk size: speed and memory only (the same numbers in chunks of any size)',
    ('lessonkit/fast/torch_engine.py::fit', 'parts = _fit_on_cpu_threads(x, y_float, index, maxiter, tol, ridge, threads, block)',
     'parts = _fit_on_cpu_threads(x, y_float, index, maxiter, tol, ridge, None, block)'):
        "speed only: torch's thread count instead of the one asked (the numbers do not depend on it: test_results_do_not_depend_on_threads_)",
    ('lessonkit/fast/torch_engine.py::auroc', 'x = _tensor(x, device)',
     'x = _tensor(x, None)'):
        'GPU only: on the CPU, device=None is the same device; the needs_cuda tests in test_stats_paths.py catch it on a GPU',
    ('lessonkit/fast/torch_engine.py::auroc', 'labels = torch.from_numpy(np.asarray(y) == 1).to(x.device)',
     'labels = torch.from_numpy(np.asarray(y) == 1).to(None)'):
        'GPU only: on the CPU, device=None is the same device; the needs_cuda tests in test_stats_paths.py catch it on a GPU',
    ('lessonkit/fast/torch_engine.py::auroc', 'if not _on_gpu(x):  # numpy sorts these rows several times faster than torch does',
     'if _on_gpu(x):  # numpy sorts these rows several times faster than torch does'):
        "GPU only: on the CPU both branches give the same AUROCs (test_the_gpu_branches_give_the_cpu_numbers); a GPU tensor in numpy's branch fails the needs_cuda tests",
    ('lessonkit/fast/torch_engine.py::_tensor', 'if not (x.is_floating_point() and x.element_size() >= 4):',
     'if not (x.is_floating_point() and x.element_size() > 4):'):
        'float32 tensors then go through .to(torch.float32): a no-op',
    ('lessonkit/fast/torch_engine.py::_tensor', 'if not (x.is_floating_point() and x.element_size() >= 4):',
     'if not (x.is_floating_point() and x.element_size() >= 5):'):
        'float32 tensors then go through .to(torch.float32): a no-op',
    ('lessonkit/fast/torch_engine.py::_tensor', 'x = x.to(torch.float64 if not x.is_floating_point() else torch.float32)',
     'x = x.to(torch.float64 if (not x.is_floating_point()) or True else torch.float32)'):
        'half precision widened to float64 instead of float32: exact either way (the fit is float64 throughout)',
    ('lessonkit/fast/torch_engine.py::_tensor', 'return x if device is None else x.to(device)',
     'return x if (device is None) and False else x.to(device)'):
        'x.to(None) returns x',
    ('lessonkit/fast/torch_engine.py::_tensor', 'return x if device is None else x.to(device)',
     'return x if (device is None) or True else x.to(device)'):
        'GPU only: on the CPU, device=None is the same device; the needs_cuda tests in test_stats_paths.py catch it on a GPU',
    ('lessonkit/fast/torch_engine.py::_tensor', 'return x if device is None else x.to(device)',
     'return x if device is not None else x.to(device)'):
        'GPU only: on the CPU, device=None is the same device; the needs_cuda tests in test_stats_paths.py catch it on a GPU',
    ('lessonkit/fast/torch_engine.py::_tensor', 'return x if device is None else x.to(device)',
     'return x if device is None else x.to(None)'):
        'GPU only: on the CPU, device=None is the same device; the needs_cuda tests in test_stats_paths.py catch it on a GPU',
    ('lessonkit/fast/torch_engine.py::_class_ranges', 'pos_min=pos_min, pos_max=pos_max, neg_min=neg_min, neg_max=neg_max, finite=torch.isfinite(x).all(0)).items()}',
     'pos_min=pos_min, pos_max=pos_max, neg_min=neg_min, neg_max=neg_max, finite=torch.isfinite(x).all(None)).items()}'):
        'a non-finite value anywhere is refused for the whole matrix: one flag, or a flag per token, gives the same answer',
    ('lessonkit/fast/torch_engine.py::auroc', 'negatives, finite = torch.from_numpy(np.sort(negatives.numpy(), axis=1)), np.isfinite(x.numpy()).all(0)',
     'negatives, finite = torch.from_numpy(np.sort(negatives.numpy(), )), np.isfinite(x.numpy()).all(0)'):
        'numpy sorts along the last axis, 1, by default',
    ('lessonkit/fast/torch_engine.py::auroc', 'negatives, finite = torch.from_numpy(np.sort(negatives.numpy(), axis=1)), np.isfinite(x.numpy()).all(0)',
     'negatives, finite = torch.from_numpy(np.sort(negatives.numpy(), axis=1)), np.isfinite(x.numpy()).all(None)'):
        'a non-finite value anywhere is refused for the whole matrix: one flag, or a flag per token, gives the same answer',
    ('lessonkit/fast/torch_engine.py::auroc', 'negatives, finite = torch.from_numpy(np.sort(negatives.numpy(), axis=1)), np.isfinite(x.numpy()).all(0)',
     'negatives, finite = torch.from_numpy(np.sort(negatives.numpy(), axis=1)), np.isfinite(x.numpy()).all(1)'):
        'a non-finite value anywhere is refused for the whole matrix: one flag, or a flag per token, gives the same answer',
    ('lessonkit/fast/torch_engine.py::auroc', 'negatives, finite = negatives.sort(dim=1).values, torch.isfinite(x).all(0).cpu().numpy()',
     'negatives, finite = negatives.sort(dim=1).values, torch.isfinite(x).all(None).cpu().numpy()'):
        'a non-finite value anywhere is refused for the whole matrix: one flag, or a flag per token, gives the same answer',
    ('lessonkit/fast/torch_engine.py::auroc', 'negatives, finite = negatives.sort(dim=1).values, torch.isfinite(x).all(0).cpu().numpy()',
     'negatives, finite = negatives.sort(dim=1).values, torch.isfinite(x).all(1).cpu().numpy()'):
        'a non-finite value anywhere is refused for the whole matrix: one flag, or a flag per token, gives the same answer',
    ('lessonkit/fast/torch_engine.py::auroc', 'below = torch.searchsorted(negatives, positives, side="left")  # negatives < positive',
     'below = torch.searchsorted(negatives, positives, side=None)  # negatives < positive'):
        'searchsorted\'s default side is "left"',
    ('lessonkit/fast/torch_engine.py::auroc', 'below = torch.searchsorted(negatives, positives, side="left")  # negatives < positive',
     'below = torch.searchsorted(negatives, positives, )  # negatives < positive'):
        'searchsorted\'s default side is "left"',
    ('lessonkit/fast/paths.py::check_labels', 'return y.astype(np.float64)',
     'return y.astype(None)'):
        'astype(None) is float64',
    ('lessonkit/fast/paths.py::check_activations', 'x = X.detach() if hasattr(X, "detach") else as_numpy(X, name)',
     'x = X.detach() if (hasattr(X, "detach")) and False else as_numpy(X, name)'):
        'a tensor taken as its numpy copy: the same numbers (a CUDA tensor would be computed on the CPU: slower, not wrong)',
    ('lessonkit/fast/paths.py::check_activations', 'x = X.detach() if hasattr(X, "detach") else as_numpy(X, name)',
     'x = X.detach() if hasattr(None, "detach") else as_numpy(X, name)'):
        'a tensor taken as its numpy copy: the same numbers (a CUDA tensor would be computed on the CPU: slower, not wrong)',
    ('lessonkit/fast/paths.py::check_activations', 'x = X.detach() if hasattr(X, "detach") else as_numpy(X, name)',
     'x = X.detach() if hasattr(X, "XXdetachXX") else as_numpy(X, name)'):
        'a tensor taken as its numpy copy: the same numbers (a CUDA tensor would be computed on the CPU: slower, not wrong)',
    ('lessonkit/fast/paths.py::check_activations', 'x = X.detach() if hasattr(X, "detach") else as_numpy(X, name)',
     'x = X.detach() if hasattr(X, "DETACH") else as_numpy(X, name)'):
        'a tensor taken as its numpy copy: the same numbers (a CUDA tensor would be computed on the CPU: slower, not wrong)',
    ('lessonkit/fast/paths.py::check_layers', 'array = acts if hasattr(acts, "detach") else as_numpy(acts, name)',
     'array = acts if (hasattr(acts, "detach")) and False else as_numpy(acts, name)'):
        'a tensor taken as its numpy copy: the same numbers (a CUDA tensor would be computed on the CPU: slower, not wrong)',
    ('lessonkit/fast/paths.py::check_layers', 'array = acts if hasattr(acts, "detach") else as_numpy(acts, name)',
     'array = acts if hasattr(None, "detach") else as_numpy(acts, name)'):
        'a tensor taken as its numpy copy: the same numbers (a CUDA tensor would be computed on the CPU: slower, not wrong)',
    ('lessonkit/fast/paths.py::check_layers', 'array = acts if hasattr(acts, "detach") else as_numpy(acts, name)',
     'array = acts if hasattr(acts, "XXdetachXX") else as_numpy(acts, name)'):
        'a tensor taken as its numpy copy: the same numbers (a CUDA tensor would be computed on the CPU: slower, not wrong)',
    ('lessonkit/fast/paths.py::check_layers', 'array = acts if hasattr(acts, "detach") else as_numpy(acts, name)',
     'array = acts if hasattr(acts, "DETACH") else as_numpy(acts, name)'):
        'a tensor taken as its numpy copy: the same numbers (a CUDA tensor would be computed on the CPU: slower, not wrong)',
    ('lessonkit/fast/paths.py::check_layers', 'value = value.detach() if hasattr(value, "detach") else as_numpy(value, f"{name}[{layer!r}]")',
     'value = value.detach() if (hasattr(value, "detach")) and False else as_numpy(value, f"{name}[{layer!r}]")'):
        'a tensor taken as its numpy copy: the same numbers (a CUDA tensor would be computed on the CPU: slower, not wrong)',
    ('lessonkit/fast/paths.py::check_layers', 'value = value.detach() if hasattr(value, "detach") else as_numpy(value, f"{name}[{layer!r}]")',
     'value = value.detach() if hasattr(None, "detach") else as_numpy(value, f"{name}[{layer!r}]")'):
        'a tensor taken as its numpy copy: the same numbers (a CUDA tensor would be computed on the CPU: slower, not wrong)',
    ('lessonkit/fast/paths.py::check_layers', 'value = value.detach() if hasattr(value, "detach") else as_numpy(value, f"{name}[{layer!r}]")',
     'value = value.detach() if hasattr(value, "XXdetachXX") else as_numpy(value, f"{name}[{layer!r}]")'):
        'a tensor taken as its numpy copy: the same numbers (a CUDA tensor would be computed on the CPU: slower, not wrong)',
    ('lessonkit/fast/paths.py::check_layers', 'value = value.detach() if hasattr(value, "detach") else as_numpy(value, f"{name}[{layer!r}]")',
     'value = value.detach() if hasattr(value, "DETACH") else as_numpy(value, f"{name}[{layer!r}]")'):
        'a tensor taken as its numpy copy: the same numbers (a CUDA tensor would be computed on the CPU: slower, not wrong)',
    ('lessonkit/fast/__init__.py::per_neuron', 'if fit is not None and (fit["maxiter"] < 1 or fit["tol"] <= 0 or fit.get("block", 1) < 1',
     'if fit is not None and (fit["maxiter"] < 1 or fit["tol"] <= 0 or fit.get("block", 2) < 1'):
        'without a block the engine takes its own (1024): 1 and 2 both pass the check',
    ('lessonkit/fast/__init__.py::per_neuron', 'fitted = on_path.fit(fit_x, fit_y, threads=threads, **fit, **where)',
     'fitted = on_path.fit(fit_x, fit_y, threads=None, **fit, **where)'):
        'speed only: the numbers do not depend on the thread count (test_results_do_not_depend_on_threads_)',
    ('lessonkit/fast/__init__.py::per_neuron', 'fitted = on_path.fit(fit_x, fit_y, threads=threads, **fit, **where)',
     'fitted = on_path.fit(fit_x, fit_y, **fit, **where)'):
        'speed only: the numbers do not depend on the thread count (test_results_do_not_depend_on_threads_)',
    ('lessonkit/fast/__init__.py::per_neuron', 'areas, finite = on_path.auroc(x, y, threads=threads, **where)',
     'areas, finite = on_path.auroc(x, y, threads=None, **where)'):
        'speed only: the numbers do not depend on the thread count (test_results_do_not_depend_on_threads_)',
    ('lessonkit/fast/__init__.py::per_neuron', 'areas, finite = on_path.auroc(x, y, threads=threads, **where)',
     'areas, finite = on_path.auroc(x, y, **where)'):
        'speed only: the numbers do not depend on the thread count (test_results_do_not_depend_on_threads_)',
    ('lessonkit/fast/__init__.py::per_neuron', 'on_path, where = engine(path), _device_options(path, x)',
     'on_path, where = engine(path), _device_options(path, None)'):
        "GPU only: CPU data are computed on the CPU with or without device='cpu' (or 'cuda' where no GPU is); with a GPU the needs_cuda tests run this path",
    ('lessonkit/regression.py::fit_logit', 'done = fast.per_neuron(X, y, fit=newton, backend=backend, threads=threads)',
     'done = fast.per_neuron(X, y, fit=newton, backend=backend, threads=None)'):
        'speed only: the numbers do not depend on the thread count (test_results_do_not_depend_on_threads_)',
    ('lessonkit/regression.py::fit_logit', 'done = fast.per_neuron(X, y, fit=newton, backend=backend, threads=threads)',
     'done = fast.per_neuron(X, y, fit=newton, backend=backend, )'):
        'speed only: the numbers do not depend on the thread count (test_results_do_not_depend_on_threads_)',
    ('lessonkit/regression.py::fit_logit', 'newton = dict(maxiter=maxiter, tol=tol, ridge=RIDGE, block=block)',
     'newton = dict(maxiter=maxiter, tol=tol, ridge=RIDGE, )'):
        'speed only: the same numbers in chunks of any size',
    ('lessonkit/regression.py::auroc', 'return fast.per_neuron(X, y, auroc=True, backend=backend, threads=threads).auroc',
     'return fast.per_neuron(X, y, auroc=True, backend=backend, threads=None).auroc'):
        'speed only: the numbers do not depend on the thread count (test_results_do_not_depend_on_threads_)',
    ('lessonkit/regression.py::auroc', 'return fast.per_neuron(X, y, auroc=True, backend=backend, threads=threads).auroc',
     'return fast.per_neuron(X, y, auroc=True, backend=backend, ).auroc'):
        'speed only: the numbers do not depend on the thread count (test_results_do_not_depend_on_threads_)',
    ('lessonkit/regression.py::fit_logit', 'block: int = 1024, threads: int | None = None) -> LogitResult:  # fmt: skip',
     'block: int = 1025, threads: int | None = None) -> LogitResult:  # fmt: skip'):
        'speed only: the same numbers in chunks of any size',
    ('lessonkit/regression.py::logit_result', 'with np.errstate(invalid="ignore", divide="ignore"):',
     'with np.errstate(invalid=None, divide="ignore"):'):
        'beta / se never divides by zero (var > 0 wherever it is set) and NaN and inf pass through it silently',
    ('lessonkit/regression.py::logit_result', 'with np.errstate(invalid="ignore", divide="ignore"):',
     'with np.errstate(invalid="ignore", divide=None):'):
        'beta / se never divides by zero (var > 0 wherever it is set) and NaN and inf pass through it silently',
    ('lessonkit/regression.py::logit_result', 'with np.errstate(invalid="ignore", divide="ignore"):',
     'with np.errstate(divide="ignore"):'):
        'beta / se never divides by zero (var > 0 wherever it is set) and NaN and inf pass through it silently',
    ('lessonkit/regression.py::logit_result', 'with np.errstate(invalid="ignore", divide="ignore"):',
     'with np.errstate(invalid="ignore", ):'):
        'beta / se never divides by zero (var > 0 wherever it is set) and NaN and inf pass through it silently',
    ('lessonkit/fast/paths.py::_device_options', 'return {"device": x.device if _is_cuda_tensor(x) else "cuda"}',
     'return {"device": x.device if (_is_cuda_tensor(x)) and False else "cuda"}'):
        "GPU only: for CPU data both give 'cuda'; a CUDA tensor on another GPU than cuda:0 would move there (needs two GPUs)",
    ('lessonkit/fast/paths.py::_device_options', 'return {"device": x.device if _is_cuda_tensor(x) else "cuda"}',
     'return {"device": x.device if _is_cuda_tensor(None) else "cuda"}'):
        "GPU only: for CPU data both give 'cuda'; a CUDA tensor on another GPU than cuda:0 would move there (needs two GPUs)",
    # the numba kernels (run as Python in this run)
    ('lessonkit/fast/numba_engine.py::_jit', 'options = dict(nogil=True, error_model="numpy", **options)',
     'options = dict(nogilXX=True, error_model="numpy", **options)'):
        "numba's options: with the kernels run as Python (NUMBA_DISABLE_JIT=1 in this run) njit reads none of them; the numba path's tests run them compiled in `make test`",
    ('lessonkit/fast/numba_engine.py::_jit', 'options = dict(nogil=True, error_model="numpy", **options)',
     'options = dict(nogil=True, error_modelXX="numpy", **options)'):
        "numba's options: with the kernels run as Python (NUMBA_DISABLE_JIT=1 in this run) njit reads none of them; the numba path's tests run them compiled in `make test`",
    ('lessonkit/fast/numba_engine.py::_jit', 'options = dict(nogil=True, error_model="numpy", **options)',
     'options = dict(nogil=None, error_model="numpy", **options)'):
        "numba's options: with the kernels run as Python (NUMBA_DISABLE_JIT=1 in this run) njit reads none of them; the numba path's tests run them compiled in `make test`",
    ('lessonkit/fast/numba_engine.py::_jit', 'options = dict(nogil=True, error_model="numpy", **options)',
     'options = dict(nogil=True, error_model=None, **options)'):
        "numba's options: with the kernels run as Python (NUMBA_DISABLE_JIT=1 in this run) njit reads none of them; the numba path's tests run them compiled in `make test`",
    ('lessonkit/fast/numba_engine.py::_jit', 'options = dict(nogil=True, error_model="numpy", **options)',
     'options = dict(error_model="numpy", **options)'):
        "numba's options: with the kernels run as Python (NUMBA_DISABLE_JIT=1 in this run) njit reads none of them; the numba path's tests run them compiled in `make test`",
    ('lessonkit/fast/numba_engine.py::_jit', 'options = dict(nogil=True, error_model="numpy", **options)',
     'options = dict(nogil=True, **options)'):
        "numba's options: with the kernels run as Python (NUMBA_DISABLE_JIT=1 in this run) njit reads none of them; the numba path's tests run them compiled in `make test`",
    ('lessonkit/fast/numba_engine.py::_jit', 'options = dict(nogil=True, error_model="numpy", **options)',
     'options = dict(nogil=True, error_model="numpy", )'):
        "numba's options: with the kernels run as Python (NUMBA_DISABLE_JIT=1 in this run) njit reads none of them; the numba path's tests run them compiled in `make test`",
    ('lessonkit/fast/numba_engine.py::_jit', 'options = dict(nogil=True, error_model="numpy", **options)',
     'options = dict(nogil=False, error_model="numpy", **options)'):
        "numba's options: with the kernels run as Python (NUMBA_DISABLE_JIT=1 in this run) njit reads none of them; the numba path's tests run them compiled in `make test`",
    ('lessonkit/fast/numba_engine.py::_jit', 'options = dict(nogil=True, error_model="numpy", **options)',
     'options = dict(nogil=True, error_model="XXnumpyXX", **options)'):
        "numba's options: with the kernels run as Python (NUMBA_DISABLE_JIT=1 in this run) njit reads none of them; the numba path's tests run them compiled in `make test`",
    ('lessonkit/fast/numba_engine.py::_jit', 'options = dict(nogil=True, error_model="numpy", **options)',
     'options = dict(nogil=True, error_model="NUMPY", **options)'):
        "numba's options: with the kernels run as Python (NUMBA_DISABLE_JIT=1 in this run) njit reads none of them; the numba path's tests run them compiled in `make test`",
    ('lessonkit/fast/numba_engine.py::_jit', 'return numba.njit(cache=True, **options)(function)',
     'return numba.njit(cache=None, **options)(function)'):
        "numba's options: with the kernels run as Python (NUMBA_DISABLE_JIT=1 in this run) njit reads none of them; the numba path's tests run them compiled in `make test`",
    ('lessonkit/fast/numba_engine.py::_jit', 'return numba.njit(cache=True, **options)(function)',
     'return numba.njit(**options)(function)'):
        "numba's options: with the kernels run as Python (NUMBA_DISABLE_JIT=1 in this run) njit reads none of them; the numba path's tests run them compiled in `make test`",
    ('lessonkit/fast/numba_engine.py::_jit', 'return numba.njit(cache=True, **options)(function)',
     'return numba.njit(cache=True, )(function)'):
        "numba's options: with the kernels run as Python (NUMBA_DISABLE_JIT=1 in this run) njit reads none of them; the numba path's tests run them compiled in `make test`",
    ('lessonkit/fast/numba_engine.py::_jit', 'return numba.njit(cache=True, **options)(function)',
     'return numba.njit(cache=False, **options)(function)'):
        "numba's options: with the kernels run as Python (NUMBA_DISABLE_JIT=1 in this run) njit reads none of them; the numba path's tests run them compiled in `make test`",
    ('lessonkit/fast/numba_engine.py::_jit', 'return numba.njit(**options)(function)',
     'return numba.njit(**options)(None)'):
        "numba's options: with the kernels run as Python (NUMBA_DISABLE_JIT=1 in this run) njit reads none of them; the numba path's tests run them compiled in `make test`",
    ('lessonkit/fast/numba_engine.py::_exp', 'r = min(max(t, -746.0), 710.0) * (1.0 / 2048.0)',
     'r = min(max(t, -747.0), 710.0) * (1.0 / 2048.0)'):
        'beyond the clamp exp is 0 or inf either way',
    ('lessonkit/fast/numba_engine.py::_exp', 'r = min(max(t, -746.0), 710.0) * (1.0 / 2048.0)',
     'r = min(max(t, -746.0), 711.0) * (1.0 / 2048.0)'):
        'beyond the clamp exp is 0 or inf either way',
    ('lessonkit/fast/numba_engine.py::_exp', 'e = 1.0 / 6227020800.0',
     'e = 2.0 / 6227020800.0'):
        'changes exp by at most 8.3e-13 relative over the normal range (-708 to 709; the test allows 1e-12, its own rounding reaches 4e-13): below what a fit can see',
    ('lessonkit/fast/numba_engine.py::_exp', 'e = 1.0 / 6227020800.0',
     'e = 1.0 / 6227020801.0'):
        'changes exp by at most 8.3e-13 relative over the normal range (-708 to 709; the test allows 1e-12, its own rounding reaches 4e-13): below what a fit can see',
    ('lessonkit/fast/numba_engine.py::_exp', 'for coefficient in (1.0 / 479001600.0, 1.0 / 39916800.0, 1.0 / 3628800.0, 1.0 / 362880.0, 1.0 / 40320.0,',
     'for coefficient in (1.0 / 479001601.0, 1.0 / 39916800.0, 1.0 / 3628800.0, 1.0 / 362880.0, 1.0 / 40320.0,'):
        'changes exp by at most 8.3e-13 relative over the normal range (-708 to 709; the test allows 1e-12, its own rounding reaches 4e-13): below what a fit can see',
    ('lessonkit/fast/numba_engine.py::_exp', 'for coefficient in (1.0 / 479001600.0, 1.0 / 39916800.0, 1.0 / 3628800.0, 1.0 / 362880.0, 1.0 / 40320.0,',
     'for coefficient in (1.0 / 479001600.0, 1.0 / 39916801.0, 1.0 / 3628800.0, 1.0 / 362880.0, 1.0 / 40320.0,'):
        'changes exp by at most 8.3e-13 relative over the normal range (-708 to 709; the test allows 1e-12, its own rounding reaches 4e-13): below what a fit can see',
    ('lessonkit/fast/numba_engine.py::_exp', 'for coefficient in (1.0 / 479001600.0, 1.0 / 39916800.0, 1.0 / 3628800.0, 1.0 / 362880.0, 1.0 / 40320.0,',
     'for coefficient in (1.0 / 479001600.0, 1.0 / 39916800.0, 1.0 / 3628801.0, 1.0 / 362880.0, 1.0 / 40320.0,'):
        'changes exp by at most 8.3e-13 relative over the normal range (-708 to 709; the test allows 1e-12, its own rounding reaches 4e-13): below what a fit can see',
    ('lessonkit/fast/numba_engine.py::_exp', 'e = e * r + coefficient',
     'e = e * r - coefficient'):
        'the series becomes -exp(r), and 11 squarings make it exp(t) again, bit for bit',
    ('lessonkit/fast/numba_engine.py::_newton_one', 'done = False',
     'done = None'):
        'None reads as False',
    ('lessonkit/fast/numba_engine.py::_newton_one', 'for step in range(maxiter + 1):',
     'for step in range(maxiter + 2):'):
        'the fit returns at step maxiter: the extra step never runs',
    ('lessonkit/fast/numba_engine.py::_newton_one', 'if step > 0:',
     'if step >= 0:'):
        "speed only: at a = b = 0 the general sums are the closed form's, bit for bit (p = 1/2, w = 1/4)",
    ('lessonkit/fast/numba_engine.py::_newton_one', 'out[5, j], out[6, j], out[7, j], out[8, j] = a, b, (s_w / det if det > 0 else np.nan), step',
     'out[5, j], out[6, j], out[7, j], out[8, j] = a, b, (s_w / det if (det > 0) or True else np.nan), step'):
        'det <= 0 at the end needs every weight but one underflowed to 0: flagged not converged either way (se NaN or inf)',
    ('lessonkit/fast/numba_engine.py::_newton_one', 'out[5, j], out[6, j], out[7, j], out[8, j] = a, b, (s_w / det if det > 0 else np.nan), step',
     'out[5, j], out[6, j], out[7, j], out[8, j] = a, b, (s_w / det if det >= 0 else np.nan), step'):
        'det <= 0 at the end needs every weight but one underflowed to 0: flagged not converged either way (se NaN or inf)',
    ('lessonkit/fast/numba_engine.py::_newton_one', 'done = not (abs(da) > tol or abs(db) > tol)  # statsmodels goes on while some |step| > tol',
     'done = not (abs(da) >= tol or abs(db) > tol)  # statsmodels goes on while some |step| > tol'):
        'differs only for a step of exactly 1e-8',
    ('lessonkit/fast/numba_engine.py::_newton_one', 'done = not (abs(da) > tol or abs(db) > tol)  # statsmodels goes on while some |step| > tol',
     'done = not (abs(da) > tol or abs(db) >= tol)  # statsmodels goes on while some |step| > tol'):
        'differs only for a step of exactly 1e-8',
    ('lessonkit/fast/numba_engine.py::_fit_kernel', 'for first in range(start, stop, FIT_BLOCK):',
     'for first in range(start, stop, ):'):
        'speed only: each neuron fitted again in up to 8 overlapping blocks, the same results',
    ('lessonkit/fast/numba_engine.py::_fit_kernel', 'out[4, j] = 0.0',
     'out[4, j] = None'):
        "None in a float array is NaN when the kernel runs as Python, which reads as the code's value; compiled, numba refuses the type (make test)",
    ('lessonkit/fast/numba_engine.py::_fit_kernel', 'out[5, j] = out[6, j] = out[7, j] = np.nan',
     'out[5, j] = out[6, j] = out[7, j] = None'):
        "None in a float array is NaN when the kernel runs as Python, which reads as the code's value; compiled, numba refuses the type (make test)",
    ('lessonkit/fast/numba_engine.py::_compare_exchange', 'swap = a > b',
     'swap = a >= b'):
        'tied values swap with their labels, and the counts are per group of ties: the same U',
    ('lessonkit/fast/numba_engine.py::_twice_u', "previous = np.empty(LANES, dtype=values.dtype)  # the values' own type: the loop vectorises",
     "previous = np.empty(LANES, dtype=None)  # the values' own type: the loop vectorises"):
        'float32 values widened to float64 are the same numbers: the sort and the counts do not change',
    ('lessonkit/fast/numba_engine.py::_twice_u', "previous = np.empty(LANES, dtype=values.dtype)  # the values' own type: the loop vectorises",
     "previous = np.empty(LANES, )  # the values' own type: the loop vectorises"):
        'float32 values widened to float64 are the same numbers: the sort and the counts do not change',
    ('lessonkit/fast/numba_engine.py::_twice_u', 'previous[lane] = -np.inf',
     'previous[lane] = None'):
        'the first value of every lane starts a new group either way (NaN, and +inf, differ from every finite value)',
    ('lessonkit/fast/numba_engine.py::_twice_u', 'previous[lane] = -np.inf',
     'previous[lane] = +np.inf'):
        'the first value of every lane starts a new group either way (NaN, and +inf, differ from every finite value)',
    ('lessonkit/fast/numba_engine.py::_auroc_kernel', 'rows = 1',
     'rows = 2'):
        'speed only: more padding rows, which sort after every value and are never counted',
    ('lessonkit/fast/numba_engine.py::_auroc_kernel', 'while rows < n:',
     'while rows <= n:'):
        'speed only: more padding rows, which sort after every value and are never counted',
    ('lessonkit/fast/numba_engine.py::_auroc_kernel', 'values, labels = np.empty(rows * LANES, dtype=x.dtype), np.empty(rows * LANES, dtype=np.uint8)',
     'values, labels = np.empty(rows * LANES, dtype=None), np.empty(rows * LANES, dtype=np.uint8)'):
        'float32 values widened to float64 are the same numbers: the sort and the counts do not change',
    ('lessonkit/fast/numba_engine.py::_auroc_kernel', 'values, labels = np.empty(rows * LANES, dtype=x.dtype), np.empty(rows * LANES, dtype=np.uint8)',
     'values, labels = np.empty(rows * LANES, ), np.empty(rows * LANES, dtype=np.uint8)'):
        'float32 values widened to float64 are the same numbers: the sort and the counts do not change',
    ('lessonkit/fast/numba_engine.py::_auroc_kernel', 'values, labels = np.empty(rows * LANES, dtype=x.dtype), np.empty(rows * LANES, dtype=np.uint8)',
     'values, labels = np.empty(rows * LANES, dtype=x.dtype), np.empty(rows * LANES, dtype=None)'):
        'labels as float64 instead of uint8: the same 0 and 1',
    ('lessonkit/fast/numba_engine.py::_auroc_kernel', 'values, labels = np.empty(rows * LANES, dtype=x.dtype), np.empty(rows * LANES, dtype=np.uint8)',
     'values, labels = np.empty(rows * LANES, dtype=x.dtype), np.empty(rows * LANES, )'):
        'labels as float64 instead of uint8: the same 0 and 1',
    ('lessonkit/fast/numba_engine.py::_auroc_kernel', 'for i in range(n * LANES, rows * LANES):  # padding rows: +inf sorts after every finite value',
     'for i in range(rows * LANES):  # padding rows: +inf sorts after every finite value'):
        'speed only: padding written under the rows that the values then overwrite',
    ('lessonkit/fast/numba_engine.py::_auroc_kernel', 'values[i], labels[i] = np.inf, 0',
     'values[i], labels[i] = np.inf, 1'):
        'padding sorts after every finite value, past the n rows and the valid lanes that are counted: its label is never read',
    ('lessonkit/fast/numba_engine.py::_auroc_kernel', 'check[lane] += row[lane] - row[lane]',
     'check[lane] -= row[lane] - row[lane]'):
        '0 or NaN either way: subtracting (value - value) flags a non-finite value as adding does',
    ('lessonkit/fast/numba_engine.py::_auroc_kernel', 'values[at + lane], labels[at + lane] = np.inf, 0',
     'values[at + lane], labels[at + lane] = np.inf, 1'):
        'padding sorts after every finite value, past the n rows and the valid lanes that are counted: its label is never read',
    ('lessonkit/fast/numba_engine.py::_float_array', 'x = x.astype(np.float64)',
     'x = x.astype(None)'):
        'astype(None) is float64',
    ('lessonkit/fast/numba_engine.py::_in_chunks', 'def _in_chunks(kernel: Callable, n: int, chunk: int, threads: int | None, multiple: int = 1) -> None:',
     'def _in_chunks(kernel: Callable, n: int, chunk: int, threads: int | None, multiple: int = 2) -> None:'):
        'speed only: the same numbers in chunks of any size and on any number of threads',
    ('lessonkit/fast/numba_engine.py::_in_chunks', 'chunk = max(1, min(chunk, -(-n // threads)))  # at least one chunk per thread',
     'chunk = max(2, min(chunk, -(-n // threads)))  # at least one chunk per thread'):
        'speed only: the same numbers in chunks of any size and on any number of threads',
    ('lessonkit/fast/numba_engine.py::_in_chunks', 'chunk = max(1, min(chunk, -(-n // threads)))  # at least one chunk per thread',
     'chunk = max(1, min(chunk, +(-n // threads)))  # at least one chunk per thread'):
        'speed only: the same numbers in chunks of any size and on any number of threads',
    ('lessonkit/fast/numba_engine.py::_in_chunks', 'chunk = max(1, min(chunk, -(-n // threads)))  # at least one chunk per thread',
     'chunk = max(1, min(chunk, -(+n // threads)))  # at least one chunk per thread'):
        'speed only: the same numbers in chunks of any size and on any number of threads',
    ('lessonkit/fast/numba_engine.py::_in_chunks', 'if threads == 1 or len(bounds) <= 1:',
     'if threads == 1 and len(bounds) <= 1:'):
        'speed only: the same numbers in chunks of any size and on any number of threads',
    ('lessonkit/fast/numba_engine.py::_in_chunks', 'if threads == 1 or len(bounds) <= 1:',
     'if threads == 1 or len(bounds) < 1:'):
        'speed only: the same numbers in chunks of any size and on any number of threads',
    ('lessonkit/fast/numba_engine.py::_in_chunks', 'if threads == 1 or len(bounds) <= 1:',
     'if threads == 1 or len(bounds) <= 2:'):
        'speed only: the same numbers in chunks of any size and on any number of threads',
    ('lessonkit/fast/numba_engine.py::fit', 'block: int = 1024) -> dict[str, np.ndarray]:',
     'block: int = 1025) -> dict[str, np.ndarray]:'):
        'speed only: the same numbers in chunks of any size and on any number of threads',
    ('lessonkit/fast/numba_engine.py::fit', 'x, y = _float_array(x), np.ascontiguousarray(y, dtype=np.float64)',
     'x, y = _float_array(x), np.ascontiguousarray(y, dtype=None)'):
        'regression passes float64 labels already',
    ('lessonkit/fast/numba_engine.py::fit', 'x, y = _float_array(x), np.ascontiguousarray(y, dtype=np.float64)',
     'x, y = _float_array(x), np.ascontiguousarray(y, )'):
        'regression passes float64 labels already',
    ('lessonkit/fast/numba_engine.py::fit', '_in_chunks(lambda start, stop: _fit_kernel(x, y, start, stop, maxiter, tol, ridge, out), x.shape[1], block, threads)',
     '_in_chunks(lambda start, stop: _fit_kernel(x, y, start, stop, maxiter, tol, ridge, out), x.shape[1], block, None)'):
        'speed only: the same numbers in chunks of any size and on any number of threads',
    ('lessonkit/fast/numba_engine.py::fit', 'result["finite"], result["n_iter"] = result["finite"] == 1.0, result["n_iter"].astype(np.int64)',
     'result["XXfiniteXX"], result["n_iter"] = result["finite"] == 1.0, result["n_iter"].astype(np.int64)'):
        'finite stays 1.0/0.0 instead of True/False: check_finite reads both alike',
    ('lessonkit/fast/numba_engine.py::fit', 'result["finite"], result["n_iter"] = result["finite"] == 1.0, result["n_iter"].astype(np.int64)',
     'result["FINITE"], result["n_iter"] = result["finite"] == 1.0, result["n_iter"].astype(np.int64)'):
        'finite stays 1.0/0.0 instead of True/False: check_finite reads both alike',
    ('lessonkit/fast/numba_engine.py::auroc', 'y = np.ascontiguousarray(y, dtype=np.uint8)  # one byte a label: they travel with the values through the sort',
     'y = np.ascontiguousarray(y, dtype=None)  # one byte a label: they travel with the values through the sort'):
        "labels as float64: copied into the kernel's uint8 labels as the same 0 and 1",
    ('lessonkit/fast/numba_engine.py::auroc', 'y = np.ascontiguousarray(y, dtype=np.uint8)  # one byte a label: they travel with the values through the sort',
     'y = np.ascontiguousarray(y, )  # one byte a label: they travel with the values through the sort'):
        "labels as float64: copied into the kernel's uint8 labels as the same 0 and 1",
    ('lessonkit/fast/numba_engine.py::auroc', 'twice_u, finite = np.empty(k), np.empty(k, dtype=np.bool_)',
     'twice_u, finite = np.empty(k), np.empty(k, dtype=None)'):
        'finite as float 1.0/0.0 instead of bool: check_finite reads both alike',
    ('lessonkit/fast/numba_engine.py::auroc', 'twice_u, finite = np.empty(k), np.empty(k, dtype=np.bool_)',
     'twice_u, finite = np.empty(k), np.empty(k, )'):
        'finite as float 1.0/0.0 instead of bool: check_finite reads both alike',
    ('lessonkit/fast/numba_engine.py::auroc', '_in_chunks(lambda start, stop: _auroc_kernel(x, y, start, stop, twice_u, finite), k, 1024, threads, LANES)',
     '_in_chunks(lambda start, stop: _auroc_kernel(x, y, start, stop, twice_u, finite), k, 1024, None, LANES)'):
        'speed only: the same numbers in chunks of any size and on any number of threads',
    ('lessonkit/fast/numba_engine.py::auroc', '_in_chunks(lambda start, stop: _auroc_kernel(x, y, start, stop, twice_u, finite), k, 1024, threads, LANES)',
     '_in_chunks(lambda start, stop: _auroc_kernel(x, y, start, stop, twice_u, finite), k, 1024, threads, )'):
        'speed only: the same numbers in chunks of any size and on any number of threads',
    ('lessonkit/fast/numba_engine.py::auroc', '_in_chunks(lambda start, stop: _auroc_kernel(x, y, start, stop, twice_u, finite), k, 1024, threads, LANES)',
     '_in_chunks(lambda start, stop: _auroc_kernel(x, y, start, stop, twice_u, finite), k, 1025, threads, LANES)'):
        'speed only: the same numbers in chunks of any size and on any number of threads',
    ('lessonkit/fast/numba_engine.py::auroc', 'n_pos = int(y.astype(np.int64).sum())',
     'n_pos = int(y.astype(None).sum())'):
        'astype(None) is float64: the same count',
    # heatmap
    ('lessonkit/heatmap.py::lecture_layout', 'placed, x = [], 0.0',
     'placed, x = [], 1.0'):
        'x is set to 0 at the first token (i % tokens_per_line == 0) before it is read',
    ('lessonkit/heatmap.py::display_text', 'elif (char.isprintable() and not unicodedata.combining(char) and unicodedata.east_asian_width(char) not in "WF"',
     'elif (char.isprintable() and not unicodedata.combining(char) and unicodedata.east_asian_width(char) not in "XXWFXX"'):
        'the widths are N, Na, A, H, W, F: W and F are still the ones found',
    ('lessonkit/heatmap.py::display_text', 'elif (char.isprintable() and not unicodedata.combining(char) and unicodedata.east_asian_width(char) not in "WF"',
     'elif (char.isprintable() and not unicodedata.combining(char) and unicodedata.east_asian_width(char) not in "wf"'):
        "matplotlib's DejaVu Sans Mono has no wide (W, F) character: font_has refuses each of them next",
    ('lessonkit/heatmap.py::top_contexts', 'column = matrix[:, neuron].astype(float)',
     'column = matrix[:, neuron].astype(None)'):
        'astype(None) is float64',
    ('lessonkit/heatmap.py::top_contexts', 'keyed = np.where(np.isnan(column), -np.inf, column if largest else -column)',
     'keyed = np.where(None, -np.inf, column if largest else -column)'):
        "numpy's argsort puts NaN last, and the list stops before the first non-finite key either way",
    ('lessonkit/heatmap.py::top_contexts', 'order = np.argsort(-keyed, kind="stable")[: min(k, int(np.isfinite(keyed).sum()))]',
     'order = np.argsort(-keyed, kind="STABLE")[: min(k, int(np.isfinite(keyed).sum()))]'):
        'numpy reads the sort kind case-blind',
    ('lessonkit/heatmap.py::_as_1d_floats', 'return array.astype(float)',
     'return array.astype(None)'):
        'astype(None) is float64',
    ('lessonkit/heatmap.py::_check_highlight', 'return np.zeros(n_tokens, dtype=bool)',
     'return np.zeros(n_tokens, dtype=None)'):
        'the marks are only read for truth: 0.0 as False',
    ('lessonkit/heatmap.py::_check_highlight', 'return np.zeros(n_tokens, dtype=bool)',
     'return np.zeros(n_tokens, )'):
        'the marks are only read for truth: 0.0 as False',
    ('lessonkit/heatmap.py::_check_highlight', 'return mask.astype(bool)',
     'return mask.astype(None)'):
        'the marks are only read for truth: a float copy of a boolean mask reads the same',
    ('lessonkit/heatmap.py::token_colours',
     'rgba = np.asarray(colour_map(np.nan_to_num(a**2 if squared else a)), dtype=float).reshape(-1, 4)',
     'rgba = np.asarray(colour_map(np.nan_to_num(a**2 if squared else a)), dtype=None).reshape(-1, 4)'):
        "matplotlib's colour maps return float64 RGBA already",
    ('lessonkit/heatmap.py::token_colours',
     'rgba = np.asarray(colour_map(np.nan_to_num(a**2 if squared else a)), dtype=float).reshape(-1, 4)',
     'rgba = np.asarray(colour_map(np.nan_to_num(a**2 if squared else a)), ).reshape(-1, 4)'):
        "matplotlib's colour maps return float64 RGBA already",
    ('lessonkit/heatmap.py::token_colours',
     'rgba = np.asarray(colour_map(np.nan_to_num(a**2 if squared else a)), dtype=float).reshape(-1, 4)',
     'rgba = np.asarray(colour_map(np.nan_to_num(a**2 if squared else a)), dtype=float).reshape(-2, 4)'):
        "numpy reads any negative size as 'all the rest', as -1",
    ('lessonkit/heatmap.py::min_max_scale',
     'hi = float(vmax) if vmax is not None else (float(finite.max()) if finite.size else 0.0)',
     'hi = float(vmax) if vmax is not None else (float(finite.max()) if finite.size else 1.0)'):
        'only values with no finite number tell them apart: every token is NaN (grey) either way; with a vmin in (0, 1] the code refuses, the mutant draws the same grey',
    # hooks
    ('lessonkit/_machinery/mlp_sites.py::_blocks_path', 'prefix = getattr(model, "base_model_prefix", "")',
     'prefix = getattr(model, "base_model_prefix", None)'):
        'the prefix is read only for a model that is its own base model, and such (transformers) models have a base_model_prefix',
    ('lessonkit/_machinery/mlp_sites.py::_blocks_path', 'prefix = getattr(model, "base_model_prefix", "")',
     'prefix = getattr(model, "base_model_prefix", "XXXX")'):
        'the prefix is read only for a model that is its own base model, and such (transformers) models have a base_model_prefix',
    ('lessonkit/_machinery/mlp_sites.py::keep_on_cpu', 'rows = values.detach().reshape(-1, values.shape[-1]).to(device="cpu", dtype=dtype, non_blocking=on_gpu)',
     'rows = values.detach().reshape(-1, values.shape[-1]).to(device=None, dtype=dtype, non_blocking=on_gpu)'):
        'GPU only: on the CPU the values are already there and complete; the needs_cuda tests of test_hooks.py run this on a GPU',
    ('lessonkit/_machinery/mlp_sites.py::keep_on_cpu', 'rows = values.detach().reshape(-1, values.shape[-1]).to(device="cpu", dtype=dtype, non_blocking=on_gpu)',
     'rows = values.detach().reshape(-1, values.shape[-1]).to(dtype=dtype, non_blocking=on_gpu)'):
        'GPU only: on the CPU the values are already there and complete; the needs_cuda tests of test_hooks.py run this on a GPU',
    ('lessonkit/_machinery/mlp_sites.py::keep_on_cpu', 'rows = values.detach().reshape(-1, values.shape[-1]).to(device="cpu", dtype=dtype, non_blocking=on_gpu)',
     'rows = values.detach().reshape(-1, values.shape[-1]).to(device="cpu", dtype=dtype, )'):
        'GPU speed only: a blocking copy',
    ('lessonkit/_machinery/mlp_sites.py::keep_on_cpu', 'torch.cuda.current_stream(values.device).synchronize()',
     'torch.cuda.current_stream(None).synchronize()'):
        'GPU only, and only with the model on another GPU than the current one (needs two GPUs)',
    ('lessonkit/_machinery/mlp_sites.py::add_input_guard', 'if context is not None and ids.shape[-1] > context:',
     'if context is not None and ids.shape[+1] > context:'):
        'input_ids that reach this line are 2-D (1-D raised above): shape[1] is shape[-1]',
    ('lessonkit/_machinery/mlp_sites.py::add_input_guard', 'setattr(guard, HOOK_MARK, "input guard")',
     'setattr(guard, HOOK_MARK, None)'):
        "the mark's value only describes the hook to a reader; lessonkit asks whether the mark is there (hasattr)",
    ('lessonkit/_machinery/mlp_sites.py::context_length', 'config = getattr(model, "config", None)',
     'config = getattr(model, "config", )'):
        "a model without .config: every model lessonkit records or ablates has one (transformers, or the layout table's model_type)",
    ('lessonkit/_machinery/mlp_sites.py::context_length', 'return getattr(config, "n_positions", None) or getattr(config, "max_position_embeddings", None)',
     'return getattr(None, "n_positions", None) or getattr(config, "max_position_embeddings", None)'):
        'GPT2Config answers max_position_embeddings with n_positions (its attribute map): the same number',
    ('lessonkit/_machinery/mlp_sites.py::context_length', 'return getattr(config, "n_positions", None) or getattr(config, "max_position_embeddings", None)',
     'return getattr(config, "XXn_positionsXX", None) or getattr(config, "max_position_embeddings", None)'):
        'GPT2Config answers max_position_embeddings with n_positions (its attribute map): the same number',
    ('lessonkit/_machinery/mlp_sites.py::context_length', 'return getattr(config, "n_positions", None) or getattr(config, "max_position_embeddings", None)',
     'return getattr(config, "N_POSITIONS", None) or getattr(config, "max_position_embeddings", None)'):
        'GPT2Config answers max_position_embeddings with n_positions (its attribute map): the same number',
    ('lessonkit/_machinery/mlp_sites.py::as_stream', 'ids = tokens.detach().cpu() if isinstance(tokens, torch.Tensor) else torch.as_tensor(tokens)',
     'ids = tokens.detach().cpu() if (isinstance(tokens, torch.Tensor)) and False else torch.as_tensor(tokens)'):
        "as_tensor of a tensor is that tensor; integer ids carry no graph, and each piece is moved to the model's device later",
    ('lessonkit/_machinery/mlp_sites.py::model_device', 'device = getattr(model, "device", None)',
     'device = None'):
        "a transformers model's device is its first parameter's",
    ('lessonkit/_machinery/mlp_sites.py::model_device', 'device = getattr(model, "device", None)',
     'device = getattr(None, "device", None)'):
        "a transformers model's device is its first parameter's",
    ('lessonkit/_machinery/mlp_sites.py::model_device', 'device = getattr(model, "device", None)',
     'device = getattr(model, "XXdeviceXX", None)'):
        "a transformers model's device is its first parameter's",
    ('lessonkit/_machinery/mlp_sites.py::model_device', 'device = getattr(model, "device", None)',
     'device = getattr(model, "DEVICE", None)'):
        "a transformers model's device is its first parameter's",
    ('lessonkit/hooks.py::keeper', 'last = layer == max(self.sites)',
     'last = None'):
        'GPU only: on the CPU the values are already there and complete; the needs_cuda tests of test_hooks.py run this on a GPU',
    ('lessonkit/hooks.py::keeper', 'last = layer == max(self.sites)',
     'last = layer != max(self.sites)'):
        'GPU only: on the CPU the values are already there and complete; the needs_cuda tests of test_hooks.py run this on a GPU',
    ('lessonkit/hooks.py::keeper', 'self.activations[layer] = keep_on_cpu(values, self.dtype, last=last)',
     'self.activations[layer] = keep_on_cpu(values, self.dtype, last=None)'):
        'GPU only: on the CPU the values are already there and complete; the needs_cuda tests of test_hooks.py run this on a GPU',
    ('lessonkit/hooks.py::keeper', 'setattr(hook, HOOK_MARK, site.name)',
     'setattr(hook, HOOK_MARK, None)'):
        "the mark's value only describes the hook to a reader; lessonkit asks whether the mark is there (hasattr)",
    ('lessonkit/hooks.py::capture_mlp', 'recorder = record_mlp(model, layers, site=site, dtype=dtype)  # checks the model, layers and site first',
     'recorder = record_mlp(model, layers, site=site, )  # checks the model, layers and site first'):
        'kept in float32, then cast to dtype by the result array: one rounding either way',
    ('lessonkit/hooks.py::capture_mlp', 'model(input_ids=piece.unsqueeze(0).to(device), use_cache=False)  # a 2-D batch: [1, len]',
     'model(input_ids=piece.unsqueeze(0).to(device), use_cache=None)  # a 2-D batch: [1, len]'):
        'the pass stops after the last recorded layer: a cache is never returned',
    ('lessonkit/hooks.py::capture_mlp', 'model(input_ids=piece.unsqueeze(0).to(device), use_cache=False)  # a 2-D batch: [1, len]',
     'model(input_ids=piece.unsqueeze(0).to(device), )  # a 2-D batch: [1, len]'):
        'the pass stops after the last recorded layer: a cache is never returned',
    ('lessonkit/hooks.py::capture_mlp', 'model(input_ids=piece.unsqueeze(0).to(device), use_cache=False)  # a 2-D batch: [1, len]',
     'model(input_ids=piece.unsqueeze(0).to(device), use_cache=True)  # a 2-D batch: [1, len]'):
        'the pass stops after the last recorded layer: a cache is never returned',
    ('lessonkit/hooks.py::capture_mlp', 'model(input_ids=piece.unsqueeze(0).to(device), use_cache=False)  # a 2-D batch: [1, len]',
     'model(input_ids=piece.unsqueeze(0).to(None), use_cache=False)  # a 2-D batch: [1, len]'):
        "GPU only: on the CPU the ids are on the model's device already",
    ('lessonkit/hooks.py::capture_mlp', 'result[layer] = torch.empty(len(stream), values.shape[-1], dtype=dtype)',
     'result[layer] = torch.empty(len(stream), values.shape[+1], dtype=dtype)'):
        'values are [tokens, neurons]: shape[1] is shape[-1]',
    ('lessonkit/hooks.py::remove_lessonkit_hooks', 'for extra in ("_forward_hooks_with_kwargs", "_forward_hooks_always_called", "_forward_pre_hooks_with_kwargs"):',
     'for extra in ("XX_forward_hooks_with_kwargsXX", "_forward_hooks_always_called", "_forward_pre_hooks_with_kwargs"):'):
        "a removed hook's flag left in torch's side table: torch reads it only for ids still in the hook dict, and hook ids are never reused",
    ('lessonkit/hooks.py::remove_lessonkit_hooks', 'for extra in ("_forward_hooks_with_kwargs", "_forward_hooks_always_called", "_forward_pre_hooks_with_kwargs"):',
     'for extra in ("_FORWARD_HOOKS_WITH_KWARGS", "_forward_hooks_always_called", "_forward_pre_hooks_with_kwargs"):'):
        "a removed hook's flag left in torch's side table: torch reads it only for ids still in the hook dict, and hook ids are never reused",
    ('lessonkit/hooks.py::remove_lessonkit_hooks', 'for extra in ("_forward_hooks_with_kwargs", "_forward_hooks_always_called", "_forward_pre_hooks_with_kwargs"):',
     'for extra in ("_forward_hooks_with_kwargs", "XX_forward_hooks_always_calledXX", "_forward_pre_hooks_with_kwargs"):'):
        "a removed hook's flag left in torch's side table: torch reads it only for ids still in the hook dict, and hook ids are never reused",
    ('lessonkit/hooks.py::remove_lessonkit_hooks', 'for extra in ("_forward_hooks_with_kwargs", "_forward_hooks_always_called", "_forward_pre_hooks_with_kwargs"):',
     'for extra in ("_forward_hooks_with_kwargs", "_FORWARD_HOOKS_ALWAYS_CALLED", "_forward_pre_hooks_with_kwargs"):'):
        "a removed hook's flag left in torch's side table: torch reads it only for ids still in the hook dict, and hook ids are never reused",
    ('lessonkit/hooks.py::remove_lessonkit_hooks', 'for extra in ("_forward_hooks_with_kwargs", "_forward_hooks_always_called", "_forward_pre_hooks_with_kwargs"):',
     'for extra in ("_forward_hooks_with_kwargs", "_forward_hooks_always_called", "XX_forward_pre_hooks_with_kwargsXX"):'):
        "a removed hook's flag left in torch's side table: torch reads it only for ids still in the hook dict, and hook ids are never reused",
    ('lessonkit/hooks.py::remove_lessonkit_hooks', 'for extra in ("_forward_hooks_with_kwargs", "_forward_hooks_always_called", "_forward_pre_hooks_with_kwargs"):',
     'for extra in ("_forward_hooks_with_kwargs", "_forward_hooks_always_called", "_FORWARD_PRE_HOOKS_WITH_KWARGS"):'):
        "a removed hook's flag left in torch's side table: torch reads it only for ids still in the hook dict, and hook ids are never reused",
    ('lessonkit/hooks.py::remove_lessonkit_hooks', 'getattr(module, extra, {}).pop(hook_id, None)',
     'getattr(module, extra, {}).pop(None, None)'):
        "a removed hook's flag left in torch's side table: torch reads it only for ids still in the hook dict, and hook ids are never reused",
    ('lessonkit/hooks.py::remove_lessonkit_hooks', 'getattr(module, extra, {}).pop(hook_id, None)',
     'getattr(None, extra, {}).pop(hook_id, None)'):
        "a removed hook's flag left in torch's side table: torch reads it only for ids still in the hook dict, and hook ids are never reused",
    ('lessonkit/hooks.py::remove_lessonkit_hooks', 'getattr(module, extra, {}).pop(hook_id, None)',
     'getattr(module, extra, None).pop(hook_id, None)'):
        'every torch.nn.Module has these three tables in the torch versions lessonkit supports (>= 2.1)',
    ('lessonkit/hooks.py::remove_lessonkit_hooks', 'getattr(module, extra, {}).pop(hook_id, None)',
     'getattr(module, extra, ).pop(hook_id, None)'):
        'every torch.nn.Module has these three tables in the torch versions lessonkit supports (>= 2.1)',
    ('lessonkit/hooks.py::__init__',
     'progress: bool = False) -> None:',
     'progress: bool = True) -> None:'):
        'record_mlp, the only maker of an MlpRecorder, always passes progress',
    ('lessonkit/hooks.py::__init__',
     'self.activations = MlpActivations(site)',
     'self.activations = None'):
        '__enter__ makes a fresh MlpActivations(self.site) before anything reads it',
    ('lessonkit/hooks.py::__init__',
     'self.activations = MlpActivations(site)',
     'self.activations = MlpActivations(None)'):
        '__enter__ makes a fresh MlpActivations(self.site) before anything reads it',
    ('lessonkit/hooks.py::capture_mlp',
     'recorder = record_mlp(model, layers, site=site, dtype=dtype, device=device)  # checks the model, layers and site first',
     'recorder = record_mlp(model, layers, site=site, device=device)  # checks the model, layers and site first'):
        "the result is allocated in dtype and each pass is copied into it: the same single rounding from the model's dtype",
    ('lessonkit/hooks.py::keeper',
     'self.activations[layer] = keep(values, self.dtype, self.device, last=last)',
     'self.activations[layer] = keep(values, self.dtype, self.device, last=None)'):
        'GPU only: last makes the last layer wait for copies from a GPU; on the CPU nothing is copied in the background',
    ('lessonkit/hooks.py::run_up_to_layer',
     'model(input_ids=input_ids.to(model_device(model)), use_cache=False)',
     'model(input_ids=input_ids.to(model_device(model)), use_cache=None)'):
        'memory only: a key/value cache built beside the pass and dropped; the recorded values are the same',
    ('lessonkit/hooks.py::run_up_to_layer',
     'model(input_ids=input_ids.to(model_device(model)), use_cache=False)',
     'model(input_ids=input_ids.to(model_device(model)), )'):
        'memory only: a key/value cache built beside the pass and dropped; the recorded values are the same',
    ('lessonkit/hooks.py::run_up_to_layer',
     'model(input_ids=input_ids.to(model_device(model)), use_cache=False)',
     'model(input_ids=input_ids.to(model_device(model)), use_cache=True)'):
        'memory only: a key/value cache built beside the pass and dropped; the recorded values are the same',
    ('lessonkit/hooks.py::run_up_to_layer',
     'model(input_ids=input_ids.to(model_device(model)), use_cache=False)',
     'model(input_ids=input_ids.to(None), use_cache=False)'):
        "GPU only: on the CPU the tokens are already on the model's device",
    ('lessonkit/hooks.py::capture_mlp',
     'model(input_ids=piece.unsqueeze(0).to(model_on), use_cache=False)  # a 2-D batch: [1, len]',
     'model(input_ids=piece.unsqueeze(0).to(model_on), use_cache=None)  # a 2-D batch: [1, len]'):
        'memory only: a key/value cache built beside the pass and dropped; the recorded values are the same',
    ('lessonkit/hooks.py::capture_mlp',
     'model(input_ids=piece.unsqueeze(0).to(model_on), use_cache=False)  # a 2-D batch: [1, len]',
     'model(input_ids=piece.unsqueeze(0).to(model_on), )  # a 2-D batch: [1, len]'):
        'memory only: a key/value cache built beside the pass and dropped; the recorded values are the same',
    ('lessonkit/hooks.py::capture_mlp',
     'model(input_ids=piece.unsqueeze(0).to(model_on), use_cache=False)  # a 2-D batch: [1, len]',
     'model(input_ids=piece.unsqueeze(0).to(model_on), use_cache=True)  # a 2-D batch: [1, len]'):
        'memory only: a key/value cache built beside the pass and dropped; the recorded values are the same',
    ('lessonkit/hooks.py::capture_mlp',
     'model(input_ids=piece.unsqueeze(0).to(model_on), use_cache=False)  # a 2-D batch: [1, len]',
     'model(input_ids=piece.unsqueeze(0).to(None), use_cache=False)  # a 2-D batch: [1, len]'):
        "GPU only: on the CPU the tokens are already on the model's device",
    ('lessonkit/hooks.py::capture_mlp',
     'result[layer] = torch.empty(len(stream), values.shape[-1], dtype=dtype, device=values.device)',
     'result[layer] = torch.empty(len(stream), values.shape[+1], dtype=dtype, device=values.device)'):
        'the rows are 2-D here: shape[1] is shape[-1]',
    ('lessonkit/_machinery/mlp_sites.py::_read_whole',
     'read = getattr(dict, name)',
     'read = None'):
        "runs once, at import, to build WholeOrNothing's reading methods: mutmut switches a mutant on after the import, so none takes effect; changed by hand (read = None), tests/test_hooks_classroom.py fails",
    ('lessonkit/_machinery/mlp_sites.py::_read_whole',
     'read = getattr(dict, name)',
     'read = getattr(None, name)'):
        "runs once, at import, to build WholeOrNothing's reading methods: mutmut switches a mutant on after the import, so none takes effect; changed by hand (read = None), tests/test_hooks_classroom.py fails",
    ('lessonkit/_machinery/mlp_sites.py::_read_whole',
     'read = getattr(dict, name)',
     'read = getattr(dict, None)'):
        "runs once, at import, to build WholeOrNothing's reading methods: mutmut switches a mutant on after the import, so none takes effect; changed by hand (read = None), tests/test_hooks_classroom.py fails",
    ('lessonkit/_machinery/mlp_sites.py::_read_whole',
     'read = getattr(dict, name)',
     'read = getattr(name)'):
        "runs once, at import, to build WholeOrNothing's reading methods: mutmut switches a mutant on after the import, so none takes effect; changed by hand (read = None), tests/test_hooks_classroom.py fails",
    ('lessonkit/_machinery/mlp_sites.py::_read_whole',
     'read = getattr(dict, name)',
     'read = getattr(dict, )'):
        "runs once, at import, to build WholeOrNothing's reading methods: mutmut switches a mutant on after the import, so none takes effect; changed by hand (read = None), tests/test_hooks_classroom.py fails",
    ('lessonkit/_machinery/mlp_sites.py::_read_whole',
     'return read(self, *args, **kwargs)',
     'return read(None, *args, **kwargs)'):
        "runs once, at import, to build WholeOrNothing's reading methods: mutmut switches a mutant on after the import, so none takes effect; changed by hand (read = None), tests/test_hooks_classroom.py fails",
    ('lessonkit/_machinery/mlp_sites.py::_read_whole',
     'return read(self, *args, **kwargs)',
     'return read(*args, **kwargs)'):
        "runs once, at import, to build WholeOrNothing's reading methods: mutmut switches a mutant on after the import, so none takes effect; changed by hand (read = None), tests/test_hooks_classroom.py fails",
    ('lessonkit/_machinery/mlp_sites.py::_read_whole',
     'return read(self, *args, **kwargs)',
     'return read(self, **kwargs)'):
        "runs once, at import, to build WholeOrNothing's reading methods: mutmut switches a mutant on after the import, so none takes effect; changed by hand (read = None), tests/test_hooks_classroom.py fails",
    ('lessonkit/_machinery/mlp_sites.py::_read_whole',
     'return read(self, *args, **kwargs)',
     'return read(self, *args, )'):
        "runs once, at import, to build WholeOrNothing's reading methods: mutmut switches a mutant on after the import, so none takes effect; changed by hand (read = None), tests/test_hooks_classroom.py fails",
    ('lessonkit/_machinery/mlp_sites.py::_read_whole',
     'checked.__name__ = checked.__qualname__ = name',
     'checked.__name__ = checked.__qualname__ = None'):
        "runs once, at import, to build WholeOrNothing's reading methods: mutmut switches a mutant on after the import, so none takes effect; changed by hand (read = None), tests/test_hooks_classroom.py fails",
    ('lessonkit/_machinery/mlp_sites.py::step',
     'if self.bar.n >= self.bar.total:  # one more pass than announced',
     'if self.bar.n > self.bar.total:  # one more pass than announced'):
        "the bar's total grows one layer later; tqdm redraws at most every 0.1 s, and the bar ends at the same count",
    ('lessonkit/_machinery/mlp_sites.py::keep',
     'to_cpu = values.is_cuda and device is not None and torch.device(device).type == "cpu"',
     'to_cpu = values.is_cuda and device is None and torch.device(device).type == "cpu"'):
        'GPU only: values on the CPU are never copied in the background (to_cpu is False whatever device says)',
    ('lessonkit/_machinery/mlp_sites.py::keep',
     'to_cpu = values.is_cuda and device is not None and torch.device(device).type == "cpu"',
     'to_cpu = values.is_cuda and device is not None and torch.device(None).type == "cpu"'):
        'GPU only: values on the CPU are never copied in the background (to_cpu is False whatever device says)',
    ('lessonkit/_machinery/mlp_sites.py::keep',
     'to_cpu = values.is_cuda and device is not None and torch.device(device).type == "cpu"',
     'to_cpu = values.is_cuda and device is not None and torch.device(device).type != "cpu"'):
        'GPU only: values on the CPU are never copied in the background (to_cpu is False whatever device says)',
    ('lessonkit/_machinery/mlp_sites.py::keep',
     'to_cpu = values.is_cuda and device is not None and torch.device(device).type == "cpu"',
     'to_cpu = values.is_cuda and device is not None and torch.device(device).type == "XXcpuXX"'):
        'GPU only: values on the CPU are never copied in the background (to_cpu is False whatever device says)',
    ('lessonkit/_machinery/mlp_sites.py::keep',
     'to_cpu = values.is_cuda and device is not None and torch.device(device).type == "cpu"',
     'to_cpu = values.is_cuda and device is not None and torch.device(device).type == "CPU"'):
        'GPU only: values on the CPU are never copied in the background (to_cpu is False whatever device says)',
    ('lessonkit/_machinery/mlp_sites.py::keep',
     'rows = rows.to(device=rows.device if device is None else device, dtype=dtype, non_blocking=to_cpu)',
     'rows = rows.to(device=rows.device if device is None else device, dtype=dtype, )'):
        'GPU only: values on the CPU are never copied in the background (to_cpu is False whatever device says)',
    ('lessonkit/_machinery/mlp_sites.py::keep',
     'rows = rows.to(device=rows.device if device is None else device, dtype=dtype, non_blocking=to_cpu)',
     'rows = rows.to(device=rows.device if (device is None) and False else device, dtype=dtype, non_blocking=to_cpu)'):
        'with device None, .to(device=None) keeps the tensor where it is, as .to(device=rows.device) does',
    ('lessonkit/_machinery/mlp_sites.py::keep',
     'torch.cuda.current_stream(values.device).synchronize()',
     'torch.cuda.current_stream(None).synchronize()'):
        "GPU only: the current stream of the current GPU, which is the values' one with one GPU",
    # ablation
    ('lessonkit/beyond/ablation.py::__init__', 'index = torch.as_tensor(chosen, dtype=torch.long)',
     'index = torch.as_tensor(chosen, dtype=None)'):
        'Python ints become int64 by themselves; any integer tensor indexes alike',
    ('lessonkit/beyond/ablation.py::__init__', 'index = torch.as_tensor(chosen, dtype=torch.long)',
     'index = torch.as_tensor(chosen, )'):
        'Python ints become int64 by themselves; any integer tensor indexes alike',
    ('lessonkit/beyond/ablation.py::setter', 'x[..., index] = x[..., index].mean(dim=tuple(range(x.ndim - 1)), keepdim=True).expand_as(x[..., index])',
     'x[..., index] = x[..., index].mean(dim=tuple(range(x.ndim - 1)), ).expand_as(x[..., index])'):
        'the means, [neurons] without keepdim, broadcast to the same [..., neurons] block',
    ('lessonkit/beyond/ablation.py::setter', 'x[..., index] = x[..., index].mean(dim=tuple(range(x.ndim - 1)), keepdim=True).expand_as(x[..., index])',
     'x[..., index] = x[..., index].mean(dim=tuple(range(x.ndim - 1)), keepdim=False).expand_as(x[..., index])'):
        'the means, [neurons] without keepdim, broadcast to the same [..., neurons] block',
    ('lessonkit/beyond/ablation.py::setter', 'x[..., index] = value.to(x.device, x.dtype)',
     'x[..., index] = value.to(None, x.dtype)'):
        "GPU only: on the CPU the tensors are on the model's device already",
    ('lessonkit/beyond/ablation.py::setter', 'x[..., index] = value.to(x.device, x.dtype)',
     'x[..., index] = value.to(x.device, None)'):
        "x[..., index] = value casts value to x's dtype on assignment",
    ('lessonkit/beyond/ablation.py::setter', 'x[..., index] = value.to(x.device, x.dtype)',
     'x[..., index] = value.to(x.dtype)'):
        "GPU only: on the CPU the tensors are on the model's device already",
    ('lessonkit/beyond/ablation.py::setter', 'x[..., index] = value.to(x.device, x.dtype)',
     'x[..., index] = value.to(x.device, )'):
        "x[..., index] = value casts value to x's dtype on assignment",
    ('lessonkit/beyond/ablation.py::setter', 'return (x, *args[1:])',
     'return (x, *args[2:])'):
        'the output projections (c_proj, dense_4h_to_h, down_proj) take one argument: args[1:] and args[2:] are both empty',
    ('lessonkit/beyond/ablation.py::setter', 'setattr(hook, HOOK_MARK, f"ablation of layer {layer}")',
     'setattr(hook, HOOK_MARK, None)'):
        "the mark's value only describes the hook to a reader; lessonkit asks whether the mark is there (hasattr)",
    ('lessonkit/beyond/ablation.py::_value_for', 'tensor = torch.as_tensor(value, dtype=torch.float32).reshape(-1)',
     'tensor = torch.as_tensor(value, dtype=None).reshape(-1)'):
        "the value is cast to the activations' dtype when it is written (setter)",
    ('lessonkit/beyond/ablation.py::_value_for', 'tensor = torch.as_tensor(value, dtype=torch.float32).reshape(-1)',
     'tensor = torch.as_tensor(value, ).reshape(-1)'):
        "the value is cast to the activations' dtype when it is written (setter)",
    ('lessonkit/beyond/ablation.py::next_token_losses', 'piece = stream[start : start + step].to(device)',
     'piece = stream[start : start + step].to(None)'):
        "GPU only: on the CPU the tensors are on the model's device already",
    ('lessonkit/beyond/ablation.py::ablation_effects', 'rows_per_pass: int = 4) -> np.ndarray:',
     'rows_per_pass: int = 5) -> np.ndarray:'):
        'speed only: every pass has its own clean row, so the changes are the same in batches of any size',
    ('lessonkit/beyond/ablation.py::ablation_effects', 'chosen = torch.as_tensor(list(neurons[start : start + rows_per_pass]), dtype=torch.long)',
     'chosen = torch.as_tensor(list(neurons[start : start + rows_per_pass]), dtype=None)'):
        'Python ints become int64 by themselves',
    ('lessonkit/beyond/ablation.py::ablation_effects', 'chosen = torch.as_tensor(list(neurons[start : start + rows_per_pass]), dtype=torch.long)',
     'chosen = torch.as_tensor(list(neurons[start : start + rows_per_pass]), )'):
        'Python ints become int64 by themselves',
    ('lessonkit/beyond/ablation.py::ablation_effects', 'x[rows, :, chosen] = x[rows, :, chosen].mean(dim=-1, keepdim=True) if value == "mean" else float(value)',
     'x[rows, :, chosen] = x[rows, :, chosen].mean(dim=+1, keepdim=True) if value == "mean" else float(value)'):
        'x[rows, :, chosen] is [rows, tokens]: axis 1 is axis -1',
    ('lessonkit/beyond/ablation.py::ablation_effects', 'return (x, *args[1:])',
     'return (x, *args[2:])'):
        'the output projections (c_proj, dense_4h_to_h, down_proj) take one argument: args[1:] and args[2:] are both empty',
    ('lessonkit/beyond/ablation.py::ablation_effects', 'setattr(hook, HOOK_MARK, f"ablation of layer {layer}")',
     'setattr(hook, HOOK_MARK, None)'):
        "the mark's value only describes the hook to a reader; lessonkit asks whether the mark is there (hasattr)",
    ('lessonkit/beyond/ablation.py::ablation_effects', 'loss = _losses(model, stream.to(device).unsqueeze(0).expand(len(chosen) + 1, -1))',
     'loss = _losses(model, stream.to(None).unsqueeze(0).expand(len(chosen) + 1, -1))'):
        "GPU only: on the CPU the tensors are on the model's device already",
    ('lessonkit/beyond/ablation.py::_losses', 'logits = model(input_ids=batch, use_cache=False).logits[:, :-1].float()',
     'logits = model(input_ids=batch, use_cache=None).logits[:, :-1].float()'):
        'the losses read only the logits: a cache returned beside them is dropped',
    ('lessonkit/beyond/ablation.py::_losses', 'logits = model(input_ids=batch, use_cache=False).logits[:, :-1].float()',
     'logits = model(input_ids=batch, ).logits[:, :-1].float()'):
        'the losses read only the logits: a cache returned beside them is dropped',
    ('lessonkit/beyond/ablation.py::_losses', 'logits = model(input_ids=batch, use_cache=False).logits[:, :-1].float()',
     'logits = model(input_ids=batch, use_cache=True).logits[:, :-1].float()'):
        'the losses read only the logits: a cache returned beside them is dropped',
    # probes
    ('lessonkit/beyond/probes.py::fit_probe',
     'def fit_probe(x: Any, y: Any, *, C: float, tol: float = 1e-10, maxiter: int = 100) -> tuple[np.ndarray, float]:',
     'def fit_probe(x: Any, y: Any, *, C: float, tol: float = 1e-10, maxiter: int = 101) -> tuple[np.ndarray, float]:'):
        'one more step allowed: Newton stops on its tolerance within about ten (test_fit_probe_takes_newtons_few_steps)',
    ('lessonkit/beyond/probes.py::fit_probe',
     'torch.set_num_threads(1)',
     'torch.set_num_threads(2)'):
        'speed only: the same arithmetic on two threads',
    ('lessonkit/beyond/probes.py::_fit_and_score',
     'mean, sd = train_x.mean(0), train_x.std(0)',
     'mean, sd = train_x.mean(None), train_x.std(0)'):
        'centring by one mean for all neurons shifts each neuron by a constant, which the unpenalised intercept takes up: the same scores',
    ('lessonkit/beyond/probes.py::_fit_and_score',
     "sd[sd == 0] = 1.0  # a constant neuron stays 0 after centring (as sklearn's StandardScaler does)",
     "sd[sd == 0] = 2.0  # a constant neuron stays 0 after centring (as sklearn's StandardScaler does)"):
        'a neuron constant on the training text gets weight 0 (it is 0 after centring), so its scale never reaches a score',
    ('lessonkit/beyond/probes.py::_fit_and_score',
     'return roc_auc_score(test_y, score), f1_score(test_y, score > 0)',
     'return roc_auc_score(test_y, score), f1_score(test_y, score >= 0)'):
        'differs only for a score of exactly 0.0',
    ('lessonkit/beyond/probes.py::_newton',
     'y = torch.as_tensor(np.asarray(as_numpy(y), dtype=np.float64).ravel())',
     'y = torch.as_tensor(np.asarray(as_numpy(y), dtype=None).ravel())'):
        'labels enter only through y == 1, y.sum(), 2 * y - 1 and prob - y: exact for bool, int or float labels',
    ('lessonkit/beyond/probes.py::_newton',
     'y = torch.as_tensor(np.asarray(as_numpy(y), dtype=np.float64).ravel())',
     'y = torch.as_tensor(np.asarray(as_numpy(y), ).ravel())'):
        'labels enter only through y == 1, y.sum(), 2 * y - 1 and prob - y: exact for bool, int or float labels',
    ('lessonkit/beyond/probes.py::_newton',
     "z = torch.cat([x, torch.ones(n, 1, dtype=x.dtype)], dim=1)  # the last column is the intercept's",
     "z = torch.cat([x, torch.ones(n, 1, dtype=None)], dim=1)  # the last column is the intercept's"):
        'torch.cat promotes float32 ones and zeros to float64: exact either way',
    ('lessonkit/beyond/probes.py::_newton',
     "z = torch.cat([x, torch.ones(n, 1, dtype=x.dtype)], dim=1)  # the last column is the intercept's",
     "z = torch.cat([x, torch.ones(n, 1, )], dim=1)  # the last column is the intercept's"):
        'torch.cat promotes float32 ones and zeros to float64: exact either way',
    ('lessonkit/beyond/probes.py::_newton',
     'ridge = torch.cat([torch.ones(p, dtype=x.dtype), torch.zeros(1, dtype=x.dtype)])  # no penalty on the intercept',
     'ridge = torch.cat([torch.ones(p, dtype=None), torch.zeros(1, dtype=x.dtype)])  # no penalty on the intercept'):
        'torch.cat promotes float32 ones and zeros to float64: exact either way',
    ('lessonkit/beyond/probes.py::_newton',
     'ridge = torch.cat([torch.ones(p, dtype=x.dtype), torch.zeros(1, dtype=x.dtype)])  # no penalty on the intercept',
     'ridge = torch.cat([torch.ones(p, ), torch.zeros(1, dtype=x.dtype)])  # no penalty on the intercept'):
        'torch.cat promotes float32 ones and zeros to float64: exact either way',
    ('lessonkit/beyond/probes.py::_newton',
     'ridge = torch.cat([torch.ones(p, dtype=x.dtype), torch.zeros(1, dtype=x.dtype)])  # no penalty on the intercept',
     'ridge = torch.cat([torch.ones(p, dtype=x.dtype), torch.zeros(1, dtype=None)])  # no penalty on the intercept'):
        'torch.cat promotes float32 ones and zeros to float64: exact either way',
    ('lessonkit/beyond/probes.py::_newton',
     'ridge = torch.cat([torch.ones(p, dtype=x.dtype), torch.zeros(1, dtype=x.dtype)])  # no penalty on the intercept',
     'ridge = torch.cat([torch.ones(p, dtype=x.dtype), torch.zeros(1, )])  # no penalty on the intercept'):
        'torch.cat promotes float32 ones and zeros to float64: exact either way',
    ('lessonkit/beyond/probes.py::_newton',
     'margin = (2 * y - 1) * (z @ t)',
     'margin = (2 / y - 1) * (z @ t)'):
        'the objective is read only by the line search, which only shortens Newton steps: on 2,000 random problems (heavy-tailed features, C up to 1e8) full steps reached the same minimum; the answer is the same, in more or fewer steps',
    ('lessonkit/beyond/probes.py::_newton',
     'return C * (weight * torch.nn.functional.softplus(-margin)).sum() + 0.5 * (ridge * t * t).sum()',
     'return C * (weight * torch.nn.functional.softplus(-margin)).sum() - 0.5 * (ridge * t * t).sum()'):
        'the objective is read only by the line search, which only shortens Newton steps: on 2,000 random problems (heavy-tailed features, C up to 1e8) full steps reached the same minimum; the answer is the same, in more or fewer steps',
    ('lessonkit/beyond/probes.py::_newton',
     'return C * (weight * torch.nn.functional.softplus(-margin)).sum() + 0.5 * (ridge * t * t).sum()',
     'return C * (weight * torch.nn.functional.softplus(-margin)).sum() + 0.5 / (ridge * t * t).sum()'):
        'the objective is read only by the line search, which only shortens Newton steps: on 2,000 random problems (heavy-tailed features, C up to 1e8) full steps reached the same minimum; the answer is the same, in more or fewer steps',
    ('lessonkit/beyond/probes.py::_newton',
     'return C * (weight * torch.nn.functional.softplus(-margin)).sum() + 0.5 * (ridge * t * t).sum()',
     'return C * (weight * torch.nn.functional.softplus(-margin)).sum() + 0.5 * (ridge * t / t).sum()'):
        'the objective is read only by the line search, which only shortens Newton steps: on 2,000 random problems (heavy-tailed features, C up to 1e8) full steps reached the same minimum; the answer is the same, in more or fewer steps',
    ('lessonkit/beyond/probes.py::_newton',
     'return C * (weight * torch.nn.functional.softplus(-margin)).sum() + 0.5 * (ridge * t * t).sum()',
     'return C * (weight * torch.nn.functional.softplus(-margin)).sum() + 0.5 * (ridge / t * t).sum()'):
        'the objective is read only by the line search, which only shortens Newton steps: on 2,000 random problems (heavy-tailed features, C up to 1e8) full steps reached the same minimum; the answer is the same, in more or fewer steps',
    ('lessonkit/beyond/probes.py::_newton',
     'if new_value <= value - 1e-4 * size * (gradient @ step) or size < 1e-8:',
     'if new_value < value - 1e-4 * size * (gradient @ step) or size < 1e-8:'):
        'the objective is read only by the line search, which only shortens Newton steps: on 2,000 random problems (heavy-tailed features, C up to 1e8) full steps reached the same minimum; the answer is the same, in more or fewer steps',
    ('lessonkit/beyond/probes.py::_newton',
     'if new_value <= value - 1e-4 * size * (gradient @ step) or size < 1e-8:',
     'if new_value <= value + 1e-4 * size * (gradient @ step) or size < 1e-8:'):
        'the objective is read only by the line search, which only shortens Newton steps: on 2,000 random problems (heavy-tailed features, C up to 1e8) full steps reached the same minimum; the answer is the same, in more or fewer steps',
    ('lessonkit/beyond/probes.py::_newton',
     'if new_value <= value - 1e-4 * size * (gradient @ step) or size < 1e-8:',
     'if new_value <= value - 1e-4 / size * (gradient @ step) or size < 1e-8:'):
        'the objective is read only by the line search, which only shortens Newton steps: on 2,000 random problems (heavy-tailed features, C up to 1e8) full steps reached the same minimum; the answer is the same, in more or fewer steps',
    ('lessonkit/beyond/probes.py::_newton',
     'if new_value <= value - 1e-4 * size * (gradient @ step) or size < 1e-8:',
     'if new_value <= value - 1e-4 * size * (gradient @ step) or size <= 1e-8:'):
        'the objective is read only by the line search, which only shortens Newton steps: on 2,000 random problems (heavy-tailed features, C up to 1e8) full steps reached the same minimum; the answer is the same, in more or fewer steps',
    ('lessonkit/beyond/probes.py::_newton',
     'if new_value <= value - 1e-4 * size * (gradient @ step) or size < 1e-8:',
     'if new_value <= value - 1e-4 * size * (gradient @ step) or size < 1.00000001:'):
        'the objective is read only by the line search, which only shortens Newton steps: on 2,000 random problems (heavy-tailed features, C up to 1e8) full steps reached the same minimum; the answer is the same, in more or fewer steps',
    ('lessonkit/beyond/probes.py::_newton',
     'size /= 2',
     'size /= 3'):
        'the objective is read only by the line search, which only shortens Newton steps: on 2,000 random problems (heavy-tailed features, C up to 1e8) full steps reached the same minimum; the answer is the same, in more or fewer steps',
    ('lessonkit/beyond/probes.py::_newton',
     'if (size * step).abs().max() <= tol * max(1.0, float(theta.abs().max())):',
     'if (size / step).abs().max() <= tol * max(1.0, float(theta.abs().max())):'):
        'the stopping rule: stopping later (at the latest after maxiter steps) gives the same minimum',
    ('lessonkit/beyond/probes.py::_newton',
     'if (size * step).abs().max() <= tol * max(1.0, float(theta.abs().max())):',
     'if (size * step).abs().max() < tol * max(1.0, float(theta.abs().max())):'):
        'the stopping rule: stopping later (at the latest after maxiter steps) gives the same minimum',
    ('lessonkit/beyond/probes.py::_newton',
     'if (size * step).abs().max() <= tol * max(1.0, float(theta.abs().max())):',
     'if (size * step).abs().max() <= tol / max(1.0, float(theta.abs().max())):'):
        'the stopping rule: stopping later (at the latest after maxiter steps) gives the same minimum',
    ('lessonkit/beyond/probes.py::_newton',
     'if (size * step).abs().max() <= tol * max(1.0, float(theta.abs().max())):',
     'if (size * step).abs().max() <= tol * max(2.0, float(theta.abs().max())):'):
        'a last step of up to 2e-10 instead of 1e-10 accepted for small weights: the answer moves by less than the tests can see',
    ('lessonkit/beyond/probes.py::sparse_probes',
     'train_x, test_x = np.asarray(as_numpy(train_acts), dtype=float), np.asarray(as_numpy(test_acts), dtype=float)',
     'train_x, test_x = np.asarray(as_numpy(train_acts), dtype=None), np.asarray(as_numpy(test_acts), dtype=float)'):
        'float32 activations standardised in float32: scores move by ~1e-7 of their size, which the AUROC and F1 (order and sign) do not see',
    ('lessonkit/beyond/probes.py::sparse_probes',
     'train_x, test_x = np.asarray(as_numpy(train_acts), dtype=float), np.asarray(as_numpy(test_acts), dtype=float)',
     'train_x, test_x = np.asarray(as_numpy(train_acts), ), np.asarray(as_numpy(test_acts), dtype=float)'):
        'float32 activations standardised in float32: scores move by ~1e-7 of their size, which the AUROC and F1 (order and sign) do not see',
    ('lessonkit/beyond/probes.py::sparse_probes',
     'train_x, test_x = np.asarray(as_numpy(train_acts), dtype=float), np.asarray(as_numpy(test_acts), dtype=float)',
     'train_x, test_x = np.asarray(as_numpy(train_acts), dtype=float), np.asarray(as_numpy(test_acts), dtype=None)'):
        'float32 activations standardised in float32: scores move by ~1e-7 of their size, which the AUROC and F1 (order and sign) do not see',
    ('lessonkit/beyond/probes.py::sparse_probes',
     'train_x, test_x = np.asarray(as_numpy(train_acts), dtype=float), np.asarray(as_numpy(test_acts), dtype=float)',
     'train_x, test_x = np.asarray(as_numpy(train_acts), dtype=float), np.asarray(as_numpy(test_acts), )'):
        'float32 activations standardised in float32: scores move by ~1e-7 of their size, which the AUROC and F1 (order and sign) do not see',
    ('lessonkit/beyond/probes.py::sparse_probes',
     'ranked = np.argsort(-np.abs(auroc(train_x, train_y) - 0.5), kind="stable")',
     'ranked = np.argsort(-np.abs(auroc(train_x, train_y) - 0.5), kind="STABLE")'):
        "numpy reads the sort's kind by its first letter, in any case",
    ('lessonkit/beyond/ablation.py::ablation_effects',
     'value: Any = 0.0, positions: Any = None, rows_per_pass: int = 32,',
     'value: Any = 0.0, positions: Any = None, rows_per_pass: int = 33,'):
        'speed only: how many ablations share a forward pass (every split gives the same numbers: tested with 1 and 2)',
    ('lessonkit/beyond/ablation.py::ablation_effects',
     'losses = batched_losses(model, stream.to(device), site.module, chunk, value, wanted)',
     'losses = batched_losses(model, stream.to(None), site.module, chunk, value, wanted)'):
        "GPU only: on the CPU the tokens are already on the model's device",
    # uncertainty
    ('lessonkit/beyond/uncertainty.py::auroc_ci', 'x = np.asarray(as_numpy(values), dtype=float).ravel()',
     'x = np.asarray(as_numpy(values), dtype=None).ravel()'):
        "the values are only ranked (scipy's rankdata): their dtype changes no rank",
    ('lessonkit/beyond/uncertainty.py::auroc_ci', 'x = np.asarray(as_numpy(values), dtype=float).ravel()',
     'x = np.asarray(as_numpy(values), ).ravel()'):
        "the values are only ranked (scipy's rankdata): their dtype changes no rank",
    ('lessonkit/beyond/uncertainty.py::auroc_ci', 'losses = 1 - (all_ranks[~y] - stats.rankdata(neg)) / len(pos)  # V01: share of positives above each negative',
     'losses = 1 + (all_ranks[~y] - stats.rankdata(neg)) / len(pos)  # V01: share of positives above each negative'):
        'only the variance of the losses is read, and var(1 + r) = var(1 - r)',
    ('lessonkit/beyond/uncertainty.py::auroc_ci', 'losses = 1 - (all_ranks[~y] - stats.rankdata(neg)) / len(pos)  # V01: share of positives above each negative',
     'losses = 2 - (all_ranks[~y] - stats.rankdata(neg)) / len(pos)  # V01: share of positives above each negative'):
        'only the variance of the losses is read, and a constant shift does not change it',
    ('lessonkit/beyond/uncertainty.py::significance_by_seed', 'candidates = np.where(passing & (fit.beta > 0), fit.beta, -np.inf)',
     'candidates = np.where(passing & (fit.beta >= 0), fit.beta, -np.inf)'):
        'a significant neuron with beta exactly 0 does not exist (its p-value is 1)',
    ('lessonkit/beyond/uncertainty.py::block_bootstrap_auroc', 'x = np.asarray(as_numpy(values), dtype=float).ravel()',
     'x = np.asarray(as_numpy(values), dtype=None).ravel()'):
        'only sorted and compared for ties (the AUROC itself comes from auroc_ci, which converts): bools, counts and floats order and tie alike as they are and in float64',
    ('lessonkit/beyond/uncertainty.py::block_bootstrap_auroc', 'x = np.asarray(as_numpy(values), dtype=float).ravel()',
     'x = np.asarray(as_numpy(values), ).ravel()'):
        'only sorted and compared for ties (the AUROC itself comes from auroc_ci, which converts): bools, counts and floats order and tie alike as they are and in float64',
    ('lessonkit/beyond/uncertainty.py::block_bootstrap_auroc', 'order = np.argsort(x, kind="stable")',
     'order = np.argsort(x, kind=None)'):
        'tied values are counted as whole runs (reduceat over each run of equal values): the order inside a run changes no count',
    ('lessonkit/beyond/uncertainty.py::block_bootstrap_auroc', 'order = np.argsort(x, kind="stable")',
     'order = np.argsort(x, )'):
        'tied values are counted as whole runs (reduceat over each run of equal values): the order inside a run changes no count',
    ('lessonkit/beyond/uncertainty.py::block_bootstrap_auroc', 'order = np.argsort(x, kind="stable")',
     'order = np.argsort(x, kind="STABLE")'):
        "numpy reads the sort's kind by its first letter, in any case (and the order inside a run of ties changes no count)",
    ('lessonkit/beyond/uncertainty.py::block_bootstrap_auroc', 'for chunk in np.array_split(picks, max(1, n_boot // 100)):',
     'for chunk in np.array_split(picks, max(2, n_boot // 100)):'):
        "speed only: each replicate's AUROC comes from its own row, whatever the chunks (the loop agrees with 1, 2 and 10 chunks)",
    ('lessonkit/beyond/uncertainty.py::block_bootstrap_auroc', 'for chunk in np.array_split(picks, max(1, n_boot // 100)):',
     'for chunk in np.array_split(picks, max(1, n_boot / 100)):'):
        "numpy's array_split takes int() of the number of chunks, and the chunks only split the rows (speed)",
    ('lessonkit/beyond/uncertainty.py::block_bootstrap_auroc', 'for chunk in np.array_split(picks, max(1, n_boot // 100)):',
     'for chunk in np.array_split(picks, max(1, n_boot // 101)):'):
        "speed only: each replicate's AUROC comes from its own row, whatever the chunks (the loop agrees with 1, 2 and 10 chunks)",
    ('lessonkit/beyond/uncertainty.py::block_bootstrap_auroc', 'with np.errstate(invalid="ignore", divide="ignore"):',
     'with np.errstate(invalid="ignore", divide=None):'):
        "a replicate's numerator is 0 whenever its denominator is (no positive; or no negative, so none below or tied): 0 / 0 is 'invalid', never 'divide'",
    ('lessonkit/beyond/uncertainty.py::block_bootstrap_auroc', 'with np.errstate(invalid="ignore", divide="ignore"):',
     'with np.errstate(invalid="ignore", ):'):
        "a replicate's numerator is 0 whenever its denominator is (no positive; or no negative, so none below or tied): 0 / 0 is 'invalid', never 'divide'",
    # tagging
    ("lessonkit/beyond/word_rule.py::_mark_known_name_pairs", 'with_previous = {(cores[k - 1], cores[k]) for k in range(1, len(cores)) if proper[k]}',
     'with_previous = {(cores[k - 1], cores[k]) for k in range(len(cores)) if proper[k]}'):
        "adds the pair (the text's last word, its first word) when the first is a name: it changes only a start word of that same form right after a copy of the last word, and such a form (a name at the text's start, never in lower case) is that name again: as right as the code",
    ("lessonkit/beyond/word_rule.py::_mark_known_name_pairs", 'if proper[i] or doc.positions[i] != "start" or not _is_capitalised(core) or core.lower() in FUNCTION_WORDS:',
     'if proper[i] and doc.positions[i] != "start" or not _is_capitalised(core) or core.lower() in FUNCTION_WORDS:'):
        "a word already proper is in its own pair sets (with_previous holds its pair with the word before it; the first word's is in with_next), so it stays proper; a capitalised mid-sentence word not yet proper is a function word or the pronoun I, skipped by the last test",
    ("lessonkit/tagging.py::format_tagged", "tags = np.asarray(tags).reshape(-1)", "tags = np.asarray(tags).reshape(-2)"):
        "numpy reads any negative size as 'all the rest', as -1",
    ("lessonkit/_machinery/tagging_fast.py::rule_answers", 'table = per_tokenizer(tokenizer, "lecture answers", _empty_answers)',
     "table = per_tokenizer(tokenizer, None, _empty_answers)"): "the key only has to differ from the other tables' keys, and None does",
    ("lessonkit/_machinery/tagging_fast.py::rule_answers", "answers = np.array(answers, dtype=bool).reshape(-1, 2)",
     "answers = np.array(answers, dtype=None).reshape(-1, 2)"): "numpy makes Python booleans a bool array by itself",
    ("lessonkit/_machinery/tagging_fast.py::rule_answers", "answers = np.array(answers, dtype=bool).reshape(-1, 2)",
     "answers = np.array(answers, ).reshape(-1, 2)"): "numpy makes Python booleans a bool array by itself",
    ("lessonkit/_machinery/tagging_fast.py::rule_answers", "answers = np.array(answers, dtype=bool).reshape(-1, 2)",
     "answers = np.array(answers, dtype=bool).reshape(-2, 2)"): "numpy reads any negative size as 'all the rest', as -1",
    ("lessonkit/beyond/word_rule.py::_positions", "quote_open = sentence_over = False", "quote_open = sentence_over = None"):
        "None is read exactly as False (not, and, or, toggled)",
    ("lessonkit/beyond/word_rule.py::_positions", "quote_open = False", "quote_open = None"):
        "None is read exactly as False (not, and, or, toggled)",
    ("lessonkit/beyond/word_rule.py::_mark_sentence_initial_names", 'if proper[i] or position != "start" or not _is_capitalised(word.core):',
     'if proper[i] or position != "start" and not _is_capitalised(word.core):'):
        "at step 2 every capitalised word in the middle of a sentence is a name already, or a function word (skipped next)",
    ("lessonkit/beyond/word_rule.py::_mark_sentence_initial_names", "continue", "break"):
        "j is None only for the last word that is not a hyphen: no candidate is left after it",
    ("lessonkit/beyond/word_rule.py::is_proper_by_word", "for _ in range(2):", "for _ in range(3):"):
        "a third pass changes no word of the whole WikiText-2 test split (241,211 words; the second pass changes 58)",
    ("lessonkit/beyond/word_rule.py::_mark_known_name_pairs",
     'if proper[i] or doc.positions[i] != "start" or not _is_capitalised(core) or core.lower() in FUNCTION_WORDS:',
     'if proper[i] or doc.positions[i] != "start" and not _is_capitalised(core) or core.lower() in FUNCTION_WORDS:'):
        "lets lower-case words through, but no lower-case word is a name before step 5 (particles), so no pair holds it",
    ("lessonkit/beyond/word_rule.py::_nationalities_and_titles", "j = doc.next_content(i) if nationality or title else None",
     "j = doc.next_content(i) if (nationality or title) or True else None"): "j is read only for nationalities and titles",
    ("lessonkit/beyond/word_rule.py::_nationalities_and_titles", "proper[i] = False", "proper[i] = None"): "None stored in a bool array is False",
    ("lessonkit/beyond/word_rule.py::_nationalities_and_titles", "proper[k] = False", "proper[k] = None"): "None stored in a bool array is False",
    ("lessonkit/beyond/word_rule.py::_heading_words", "return headings[lines] if words else np.zeros(0, dtype=bool)",
     "return headings[lines] if (words) or True else np.zeros(0, dtype=bool)"): "with no words both give an empty bool array",
    ("lessonkit/beyond/word_rule.py::_heading_words", "return headings[lines] if words else np.zeros(0, dtype=bool)",
     "return headings[lines] if words else np.zeros(0, dtype=None)"): "an empty array, never read",
    ("lessonkit/beyond/word_rule.py::_heading_words", "return headings[lines] if words else np.zeros(0, dtype=bool)",
     "return headings[lines] if words else np.zeros(0, )"): "an empty array, never read",
    ("lessonkit/beyond/word_rule.py::_heading_words", "return headings[lines] if words else np.zeros(0, dtype=bool)",
     "return headings[lines] if words else np.zeros(1, dtype=bool)"): "a text without words: the flag is never read",
    ("lessonkit/beyond/word_rule.py::_mark_name_particles",
     'inside = i + 1 < n and proper[i + 1] and (i == 0 or proper[i - 1] or doc.positions[i] == "mid")',
     'inside = i + 1 < n and proper[i + 1] and (i == 0 or proper[i + 1] or doc.positions[i] == "mid")'):
        "only a particle that starts a line before a name ('...\\nde Gaulle spoke') differs: the mutant calls it part of "
        "the name, as right as the rule's answer",
    # atlas state
    ("lessonkit/atlas/state.py::_add_sums",
     "one_hot = torch.from_numpy((classes[None, :] == np.arange(3)[:, None]).astype(np.float64))  # [3, len]",
     "one_hot = torch.from_numpy((classes[None, :] == np.arange(3)[:, None]).astype(None))  # [3, len]"):
        "astype(None) is float64",
    ("lessonkit/atlas/state.py::__init__", "self.counts = np.zeros((2, 3), np.int64)  # [split, class] tokens",
     "self.counts = np.zeros((3, 3), np.int64)  # [split, class] tokens"):
        "an extra split or class row that nothing reads (two splits, three classes everywhere): the same answers, a few KB more, not per neuron",
    ("lessonkit/atlas/state.py::__init__", "self.sample_key = np.full((2, 3, sample), EMPTY_KEY, np.uint64)  # [split, class, slot]",
     "self.sample_key = np.full((3, 3, sample), EMPTY_KEY, np.uint64)  # [split, class, slot]"):
        "an extra split or class row that nothing reads (two splits, three classes everywhere): the same answers, a few KB more, not per neuron",
    ("lessonkit/atlas/state.py::__init__", "self.sample_key = np.full((2, 3, sample), EMPTY_KEY, np.uint64)  # [split, class, slot]",
     "self.sample_key = np.full((2, 4, sample), EMPTY_KEY, np.uint64)  # [split, class, slot]"):
        "an extra split or class row that nothing reads (two splits, three classes everywhere): the same answers, a few KB more, not per neuron",
    ("lessonkit/atlas/state.py::__init__", "self.sample_index = np.full((2, 3, sample), EMPTY_INDEX, np.int64)",
     "self.sample_index = np.full((3, 3, sample), EMPTY_INDEX, np.int64)"):
        "an extra split or class row that nothing reads (two splits, three classes everywhere): the same answers, a few KB more, not per neuron",
    ("lessonkit/atlas/state.py::__init__", "self.sample_index = np.full((2, 3, sample), EMPTY_INDEX, np.int64)",
     "self.sample_index = np.full((2, 4, sample), EMPTY_INDEX, np.int64)"):
        "an extra split or class row that nothing reads (two splits, three classes everywhere): the same answers, a few KB more, not per neuron",
    ("lessonkit/atlas/state.py::__init__", "self.sample_capitalised = np.zeros((2, 3, sample), bool)",
     "self.sample_capitalised = np.zeros((3, 3, sample), bool)"):
        "an extra split or class row that nothing reads (two splits, three classes everywhere): the same answers, a few KB more, not per neuron",
    ("lessonkit/atlas/state.py::__init__", "self.sample_capitalised = np.zeros((2, 3, sample), bool)",
     "self.sample_capitalised = np.zeros((2, 4, sample), bool)"):
        "an extra split or class row that nothing reads (two splits, three classes everywhere): the same answers, a few KB more, not per neuron",
    ("lessonkit/atlas/state.py::__init__", "self.counts = np.zeros((2, 3), np.int64)  # [split, class] tokens",
     "self.counts = np.zeros((2, 3), None)  # [split, class] tokens"):
        "float64 token counts are exact to 2**53 tokens, and global indices stop at 2**32 - 1 (MAX_TOKENS)",
    ("lessonkit/atlas/state.py::__init__", "self.counts = np.zeros((2, 3), np.int64)  # [split, class] tokens",
     "self.counts = np.zeros((2, 3), )  # [split, class] tokens"):
        "float64 token counts are exact to 2**53 tokens, and global indices stop at 2**32 - 1 (MAX_TOKENS)",
    ("lessonkit/atlas/state.py::__init__", "self.top_key = np.full((2, contexts, n), EMPTY_TOP, np.int64)  # [end, rank, neuron], strongest first",
     "self.top_key = np.full((2, contexts, n), EMPTY_TOP, None)  # [end, rank, neuron], strongest first"):
        "np.full infers the same dtype from the fill value (int64 minimum or maximum: int64; 2**64 - 1: uint64)",
    ("lessonkit/atlas/state.py::__init__", "self.top_key = np.full((2, contexts, n), EMPTY_TOP, np.int64)  # [end, rank, neuron], strongest first",
     "self.top_key = np.full((2, contexts, n), EMPTY_TOP, )  # [end, rank, neuron], strongest first"):
        "np.full infers the same dtype from the fill value (int64 minimum or maximum: int64; 2**64 - 1: uint64)",
    ("lessonkit/atlas/state.py::__init__", "self.sample_key = np.full((2, 3, sample), EMPTY_KEY, np.uint64)  # [split, class, slot]",
     "self.sample_key = np.full((2, 3, sample), EMPTY_KEY, None)  # [split, class, slot]"):
        "np.full infers the same dtype from the fill value (int64 minimum or maximum: int64; 2**64 - 1: uint64)",
    ("lessonkit/atlas/state.py::__init__", "self.sample_key = np.full((2, 3, sample), EMPTY_KEY, np.uint64)  # [split, class, slot]",
     "self.sample_key = np.full((2, 3, sample), EMPTY_KEY, )  # [split, class, slot]"):
        "np.full infers the same dtype from the fill value (int64 minimum or maximum: int64; 2**64 - 1: uint64)",
    ("lessonkit/atlas/state.py::__init__", "self.sample_index = np.full((2, 3, sample), EMPTY_INDEX, np.int64)",
     "self.sample_index = np.full((2, 3, sample), EMPTY_INDEX, None)"):
        "np.full infers the same dtype from the fill value (int64 minimum or maximum: int64; 2**64 - 1: uint64)",
    ("lessonkit/atlas/state.py::__init__", "self.sample_index = np.full((2, 3, sample), EMPTY_INDEX, np.int64)",
     "self.sample_index = np.full((2, 3, sample), EMPTY_INDEX, )"):
        "np.full infers the same dtype from the fill value (int64 minimum or maximum: int64; 2**64 - 1: uint64)",
    ("lessonkit/atlas/state.py::__init__", "self.top_ids = np.full((2, contexts, n, width), -1, np.int32)  # token ids around each top token",
     "self.top_ids = np.full((2, contexts, n, width), +1, np.int32)  # token ids around each top token"):
        "the fill of a slot that holds no token yet: never read (top_contexts and the report skip EMPTY_TOP keys; sample() reads filled slots only), and a token entering brings its own",
    ("lessonkit/atlas/state.py::__init__", "self.top_ids = np.full((2, contexts, n, width), -1, np.int32)  # token ids around each top token",
     "self.top_ids = np.full((2, contexts, n, width), -2, np.int32)  # token ids around each top token"):
        "the fill of a slot that holds no token yet: never read (top_contexts and the report skip EMPTY_TOP keys; sample() reads filled slots only), and a token entering brings its own",
    ("lessonkit/atlas/state.py::__init__", "self.sample_values = np.full((2, 3, sample, n), 0.0, np.float32)  # [split, class, slot, neuron]",
     "self.sample_values = np.full((2, 3, sample, n), None, np.float32)  # [split, class, slot, neuron]"):
        "the fill of a slot that holds no token yet: never read (top_contexts and the report skip EMPTY_TOP keys; sample() reads filled slots only), and a token entering brings its own",
    ("lessonkit/atlas/state.py::__init__", "self.sample_values = np.full((2, 3, sample, n), 0.0, np.float32)  # [split, class, slot, neuron]",
     "self.sample_values = np.full((2, 3, sample, n), 1.0, np.float32)  # [split, class, slot, neuron]"):
        "the fill of a slot that holds no token yet: never read (top_contexts and the report skip EMPTY_TOP keys; sample() reads filled slots only), and a token entering brings its own",
    ("lessonkit/atlas/state.py::__init__", "self.progress = {\"passes\": 0, \"tokens\": 0, \"next_pass\": 0, \"text_hash\": \"\"}",
     "self.progress = {\"passes\": 0, \"tokens\": 0, \"next_pass\": 0, \"text_hash\": \"XXXX\"}"):
        "a fresh state's text hash is never compared: the resume check reads it at pass next_pass - 1, and next_pass is 0",
    ("lessonkit/atlas/state.py::_check_values", "largest = values.abs().max().item() if values.numel() else 0.0",
     "largest = values.abs().max().item() if (values.numel()) or True else 0.0"):
        "differs only for a layer of 0 neurons (no values at all), which no model has",
    ("lessonkit/atlas/state.py::_check_values", "largest = values.abs().max().item() if values.numel() else 0.0",
     "largest = values.abs().max().item() if values.numel() else 1.0"):
        "differs only for a layer of 0 neurons (no values at all), which no model has",
    ("lessonkit/atlas/state.py::_add_sums", "if self.squares[split, :, part].max(initial=0) > 2**62:",
     "if self.squares[split, :, part].max(initial=None) > 2**62:"):
        "differs only for a layer of 0 neurons (no values at all), which no model has",
    ("lessonkit/atlas/state.py::_add_sums", "if self.squares[split, :, part].max(initial=0) > 2**62:",
     "if self.squares[split, :, part].max(initial=1) > 2**62:"):
        "the sums of squares are >= 0: a start of 1 gives the same maximum against 2**62",
    ("lessonkit/atlas/state.py::_add_sums", "if self.squares[split, :, part].max(initial=0) > 2**62:",
     "if self.squares[split, :, part].max(initial=0) >= 2**62:"):
        "differs only at exactly 2**62 units, as far from int64's end (2**63) as the code's 2**62 + 1, and a pass adds at most 2**53",
    ("lessonkit/atlas/state.py::_add_histograms", "neuron = torch.arange(part.start, part.stop, dtype=torch.int32).view(1, -1)",
     "neuron = torch.arange(part.start, part.stop, dtype=torch.int32).view(-1)"):
        "[neurons] broadcasts against [tokens, 1] as [1, neurons] does: the same bin numbers",
    ("lessonkit/atlas/state.py::_add_histograms", "neuron = torch.arange(part.start, part.stop, dtype=torch.int32).view(1, -1)",
     "neuron = torch.arange(part.start, part.stop, dtype=None).view(1, -1)"):
        "the bin numbers in int64 instead of int32: the same numbers",
    ("lessonkit/atlas/state.py::_add_histograms", "neuron = torch.arange(part.start, part.stop, dtype=torch.int32).view(1, -1)",
     "neuron = torch.arange(part.start, part.stop, ).view(1, -1)"):
        "the bin numbers in int64 instead of int32: the same numbers",
    ("lessonkit/atlas/state.py::strongest_keys", "margin = min(rows.shape[1], k + 4)",
     "margin = min(rows.shape[1], k + 5)"):
        "keys one more top value before the tie check: the same k keys (speed only)",
    ("lessonkit/atlas/state.py::strongest_keys", "top_values, positions = torch.topk(rows, margin, dim=1)",
     "top_values, positions = torch.topk(rows, margin, )"):
        "topk's default dim is -1, dim 1 of these 2-D tensors",
    ("lessonkit/atlas/state.py::strongest_keys", "keys[unsure, :k] = torch.topk(every, k, dim=1).values",
     "keys[unsure, :k] = torch.topk(every, k, ).values"):
        "topk's default dim is -1, dim 1 of these 2-D tensors",
    ("lessonkit/atlas/state.py::strongest_keys", "return torch.topk(keys, k, dim=1).values",
     "return torch.topk(keys, k, ).values"):
        "topk's default dim is -1, dim 1 of these 2-D tensors",
    ("lessonkit/atlas/state.py::strongest_keys", "unsure = torch.nonzero(top_values[:, -1] == top_values[:, k - 1]).view(-1) if margin > k else []",
     "unsure = torch.nonzero(top_values[:, -1] == top_values[:, k - 1]).view(-1) if (margin > k) or True else []"):
        "margin > k fails only for a pass of exactly k tokens; then the k-th value is the last and every row is keyed whole: the same keys, slower",
    ("lessonkit/atlas/state.py::strongest_keys", "unsure = torch.nonzero(top_values[:, -1] == top_values[:, k - 1]).view(-1) if margin > k else []",
     "unsure = torch.nonzero(top_values[:, -1] == top_values[:, k - 1]).view(-1) if margin >= k else []"):
        "margin > k fails only for a pass of exactly k tokens; then the k-th value is the last and every row is keyed whole: the same keys, slower",
    ("lessonkit/atlas/state.py::strongest_keys", "unsure = torch.nonzero(top_values[:, -1] == top_values[:, k - 1]).view(-1) if margin > k else []",
     "unsure = torch.nonzero(top_values[:, -2] == top_values[:, k - 1]).view(-1) if margin > k else []"):
        "the values are sorted: a k-th value tied with the last looked at is tied with the second last too, so it keys a superset of rows whole: the same keys, slower",
    ("lessonkit/atlas/state.py::_add_top", "active = torch.nonzero(best[:, 0] > weakest_kept).view(-1)  # keys are unique: exact",
     "active = torch.nonzero(best[:, 0] >= weakest_kept).view(-1)  # keys are unique: exact"):
        "keys hold the global index and no token enters twice: a pass's best key never equals a kept one",
    ("lessonkit/atlas/state.py::_add_top", "window_ids = torch.where(inside, ids[clamped], -1).int()",
     "window_ids = torch.where(inside, ids[clamped], -2).int()"):
        "-2 marks a position outside the pass as -1 does: readers take ids >= 0 (top_contexts) or the centre, always inside",
    ("lessonkit/atlas/state.py::_add_top", "window_values = torch.where(inside, values[clamped, active.view(1, -1, 1)], 0.0)",
     "window_values = torch.where(inside, values[clamped, active.view(-1, 1)], 0.0)"):
        "[active, 1] broadcasts against [keep, active, width] as [1, active, 1] does",
    ("lessonkit/atlas/state.py::_add_top", "window_values = torch.where(inside, values[clamped, active.view(1, -1, 1)], 0.0)",
     "window_values = torch.where(inside, values[clamped, active.view(1, -1, 1)], 1.0)"):
        "the value at a position outside the pass is never read: top_contexts keeps the positions whose id is >= 0",
    ("lessonkit/atlas/state.py::top_contexts", "value, index = decode_top_keys(keys[rank : rank + 1])",
     "value, index = decode_top_keys(keys[rank : rank + 2])"):
        "decodes one key more; only the first is read",
    ("lessonkit/atlas/state.py::top_contexts", "contexts.append((float(value[0]) * (1 if end == LARGEST else -1), int(index[0]),",
     "contexts.append((float(value[0]) / (1 if end == LARGEST else -1), int(index[0]),"):
        "x / 1 and x / -1 equal x * 1 and x * -1",
    ("lessonkit/atlas/state.py::_offer_keys", "slots = np.setdiff1d(np.arange(size), best[best < size])  # slots whose tokens lost",
     "slots = np.setdiff1d(np.arange(size), best[best <= size])  # slots whose tokens lost"):
        "best == size is the first offered token, not a slot (slots are 0 .. size - 1): setdiff1d drops the same slots",
    ("lessonkit/atlas/state.py::_offer", "return self._offer_keys(split, c, keys, np.asarray(global_index, np.int64), capitalised)",
     "return self._offer_keys(split, c, keys, np.asarray(global_index, None), capitalised)"):
        "global_index is start + int64 positions: int64 already",
    ("lessonkit/atlas/state.py::_offer", "return self._offer_keys(split, c, keys, np.asarray(global_index, np.int64), capitalised)",
     "return self._offer_keys(split, c, keys, np.asarray(global_index, ), capitalised)"):
        "global_index is start + int64 positions: int64 already",
    ("lessonkit/atlas/state.py::histogram_bins", "return torch.where(bits < 0, MIDDLE_BIN - steps, MIDDLE_BIN + steps)",
     "return torch.where(bits <= 0, MIDDLE_BIN - steps, MIDDLE_BIN + steps)"):
        "bits == 0 is +0.0, whose step is 0: MIDDLE_BIN - 0 equals MIDDLE_BIN + 0",
    ("lessonkit/atlas/state.py::histogram_bins", "return torch.where(bits < 0, MIDDLE_BIN - steps, MIDDLE_BIN + steps)",
     "return torch.where(bits < 1, MIDDLE_BIN - steps, MIDDLE_BIN + steps)"):
        "bits == 0 is +0.0, whose step is 0: MIDDLE_BIN - 0 equals MIDDLE_BIN + 0",
    ("lessonkit/atlas/state.py::means_and_sds", "n = self.counts.sum(0).astype(np.float64)[:, None]",
     "n = self.counts.sum(0).astype(None)[:, None]"):
        "astype(None) is float64",
    ("lessonkit/atlas/state.py::means_and_sds", "total = self.sums.sum(0).astype(np.float64) * SUM_UNIT",
     "total = self.sums.sum(0).astype(None) * SUM_UNIT"):
        "astype(None) is float64",
    ("lessonkit/atlas/state.py::means_and_sds", "squares = self.squares.sum(0).astype(np.float64) * SUM_UNIT",
     "squares = self.squares.sum(0).astype(None) * SUM_UNIT"):
        "astype(None) is float64",
    ("lessonkit/atlas/state.py::means_and_sds", "with np.errstate(invalid=\"ignore\", divide=\"ignore\"):",
     "with np.errstate(invalid=\"ignore\", divide=None):"):
        "nothing divides by zero but 0 / 0 (an empty class's mean: 'invalid'); n - 1 below 1 is replaced by NaN",
    ("lessonkit/atlas/state.py::means_and_sds", "with np.errstate(invalid=\"ignore\", divide=\"ignore\"):",
     "with np.errstate(invalid=\"ignore\", ):"):
        "nothing divides by zero but 0 / 0 (an empty class's mean: 'invalid'); n - 1 below 1 is replaced by NaN",
    ("lessonkit/atlas/state.py::load", "with np.load(path, allow_pickle=False) as saved:",
     "with np.load(path, allow_pickle=None) as saved:"):
        "allow_pickle None and numpy's default (False) refuse pickles as False does",
    ("lessonkit/atlas/state.py::load", "with np.load(path, allow_pickle=False) as saved:",
     "with np.load(path, ) as saved:"):
        "allow_pickle None and numpy's default (False) refuse pickles as False does",
    ("lessonkit/atlas/state.py::merge_across_ranks", "while step < world:",
     "while step <= world:"):
        "at step == world no rank has a partner (rank % (2 * step) == step and rank + step < world need rank >= world)",
    ("lessonkit/atlas/state.py::merge_across_ranks", "if rank % (2 * step) == 0 and rank + step < world:",
     "if rank % (2 / step) == 0 and rank + step < world:"):
        "the ranks that reach this test are multiples of 2 * step (the others sent and returned): rank % (2 / step) is 0 for them too",
    # checks: the cases and hints of the exercise checks (_tools, _lecture, __init__)
    ('lessonkit/checks/_tools.py::same', 'a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)',
     'a, b = np.asarray(a, dtype=None), np.asarray(b, dtype=float)'):
        'every caller passes numbers() output or a reference, already float: np.allclose compares them the same',
    ('lessonkit/checks/_tools.py::same', 'a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)',
     'a, b = np.asarray(a, ), np.asarray(b, dtype=float)'):
        'every caller passes numbers() output or a reference, already float: np.allclose compares them the same',
    ('lessonkit/checks/_tools.py::same', 'a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)',
     'a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=None)'):
        'every caller passes numbers() output or a reference, already float: np.allclose compares them the same',
    ('lessonkit/checks/_tools.py::same', 'a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)',
     'a, b = np.asarray(a, dtype=float), np.asarray(b, )'):
        'every caller passes numbers() output or a reference, already float: np.allclose compares them the same',
    ("lessonkit/checks/_tools.py::short", "flat = np.asarray(values).reshape(-1)", "flat = np.asarray(values).reshape(-2)"):
        NEGATIVE_SIZE,
    ('lessonkit/checks/_lecture.py::_logit_variants', 'fit = sm.Logit(y, sm.add_constant(x)).fit(disp=0)',
     'fit = sm.Logit(y, sm.add_constant(x)).fit(disp=None)'):
        'statsmodels prints only when disp is true: None is as quiet as 0',
    ('lessonkit/checks/_lecture.py::_logit_variants', 'no_intercept = sm.Logit(y, x[:, None]).fit(disp=0)',
     'no_intercept = sm.Logit(y, x[:, None]).fit(disp=None)'):
        'statsmodels prints only when disp is true: None is as quiet as 0',
    ('lessonkit/checks/_lecture.py::_reds', 'rgba = np.asarray(mpl.colormaps[cmap](np.asarray(a, dtype=float)), dtype=float).reshape(-1, 4)',
     'rgba = np.asarray(mpl.colormaps[cmap](np.asarray(a, dtype=float)), dtype=None).reshape(-1, 4)'):
        FLOAT_COLOURS,
    ('lessonkit/checks/_lecture.py::_reds', 'rgba = np.asarray(mpl.colormaps[cmap](np.asarray(a, dtype=float)), dtype=float).reshape(-1, 4)',
     'rgba = np.asarray(mpl.colormaps[cmap](np.asarray(a, dtype=float)), ).reshape(-1, 4)'):
        FLOAT_COLOURS,
    ('lessonkit/checks/_lecture.py::_reds', 'rgba = np.asarray(mpl.colormaps[cmap](np.asarray(a, dtype=float)), dtype=float).reshape(-1, 4)',
     'rgba = np.asarray(mpl.colormaps[cmap](np.asarray(a, dtype=None)), dtype=float).reshape(-1, 4)'):
        FLOAT_COLOURS,
    ('lessonkit/checks/_lecture.py::_reds', 'rgba = np.asarray(mpl.colormaps[cmap](np.asarray(a, dtype=float)), dtype=float).reshape(-1, 4)',
     'rgba = np.asarray(mpl.colormaps[cmap](np.asarray(a, )), dtype=float).reshape(-1, 4)'):
        FLOAT_COLOURS,
    ('lessonkit/checks/_lecture.py::_reds', 'rgba = np.asarray(mpl.colormaps[cmap](np.asarray(a, dtype=float)), dtype=float).reshape(-1, 4)',
     'rgba = np.asarray(mpl.colormaps[cmap](np.asarray(a, dtype=float)), dtype=float).reshape(-2, 4)'):
        NEGATIVE_SIZE,
    ('lessonkit/checks/_lecture.py::lecture_rule', 'got = numbers(student(list(texts)), f"the tokens {texts}").reshape(-1)',
     'got = numbers(student(list(texts)), f"the tokens {texts}").reshape(-2)'):
        NEGATIVE_SIZE,
    ('lessonkit/checks/_lecture.py::_indices', 'raw = np.asarray(numbers(answer, "the comparison sample")).reshape(-1)',
     'raw = np.asarray(numbers(answer, "the comparison sample")).reshape(-2)'):
        NEGATIVE_SIZE,
    ('lessonkit/checks/_lecture.py::_dead_neuron_and_tensors', 'flat = np.full(4, 1.5)',
     'flat = np.full(5, 1.5)'):
        'any constant neuron is the 0 / 0 case: how many tokens and which value do not matter',
    ('lessonkit/checks/_lecture.py::_dead_neuron_and_tensors', 'flat = np.full(4, 1.5)',
     'flat = np.full(4, 2.5)'):
        'any constant neuron is the 0 / 0 case: how many tokens and which value do not matter',
    ('lessonkit/checks/_lecture.py::_dead_neuron_and_tensors', 'values = torch.tensor([0.2, -0.4, 1.3])',
     'values = torch.tensor([1.2, -0.4, 1.3])'):
        "any three different values compare a tensor's colours with those of the same numbers in numpy",
    ('lessonkit/checks/_lecture.py::_dead_neuron_and_tensors', 'values = torch.tensor([0.2, -0.4, 1.3])',
     'values = torch.tensor([0.2, +0.4, 1.3])'):
        "any three different values compare a tensor's colours with those of the same numbers in numpy",
    ('lessonkit/checks/_lecture.py::_dead_neuron_and_tensors', 'values = torch.tensor([0.2, -0.4, 1.3])',
     'values = torch.tensor([0.2, -1.4, 1.3])'):
        "any three different values compare a tensor's colours with those of the same numbers in numpy",
    ('lessonkit/checks/_lecture.py::_dead_neuron_and_tensors', 'values = torch.tensor([0.2, -0.4, 1.3])',
     'values = torch.tensor([0.2, -0.4, 2.3])'):
        "any three different values compare a tensor's colours with those of the same numbers in numpy",
    ('lessonkit/checks/_lecture.py::_dead_neuron_and_tensors', 'if not same(numbers(student(flat.copy()), "four equal values"), token_colours(flat), atol=1e-6):',
     'if not same(numbers(student(flat.copy()), "four equal values"), token_colours(flat), ):'):
        COLOUR_TABLE,
    ('lessonkit/checks/_lecture.py::_dead_neuron_and_tensors', 'if not same(got, token_colours(values.numpy()), atol=1e-6):',
     'if not same(got, token_colours(values.numpy()), ):'):
        COLOUR_TABLE,
    ('lessonkit/checks/_lecture.py::lecture_colours', 'if same(got, token_colours(values), atol=1e-6):',
     'if same(got, token_colours(values), ):'):
        COLOUR_TABLE,
    ('lessonkit/checks/_lecture.py::lecture_colours', 'if same(got, wrong, atol=1e-6):',
     'if same(got, wrong, ):'):
        COLOUR_TABLE,
    ('lessonkit/checks/_lecture.py::bonferroni', 'p = np.array([0.01, 0.0125, 0.2, 1e-9, 2e-5])  # 5 tests: the threshold is .05 / 5 = .01',
     'p = np.array([0.01, 0.0125, 0.2, 1.000000001, 2e-5])  # 5 tests: the threshold is .05 / 5 = .01'):
        'the case still tells the right answer and each mistake apart (right F F F F T; p < alpha T T F F T; times n T T T F T; <= T F F F T; / 4096 all F)',
    ('lessonkit/checks/_lecture.py::bonferroni', '(p < 0.05, "You used p < alpha.", "Bonferroni divides alpha by the number of tests (the number of p-values given)."),',
     '(p <= 0.05, "You used p < alpha.", "Bonferroni divides alpha by the number of tests (the number of p-values given)."),'):
        "no p-value of the case lies between the threshold and the mutant's: the mistake's answer is the same",
    ('lessonkit/checks/_lecture.py::bonferroni', '(p < 0.05 * len(p), "You multiplied alpha by the number of tests.", "Bonferroni makes the threshold SMALLER: alpha / number of tests."),',
     '(p <= 0.05 * len(p), "You multiplied alpha by the number of tests.", "Bonferroni makes the threshold SMALLER: alpha / number of tests."),'):
        "no p-value of the case lies between the threshold and the mutant's: the mistake's answer is the same",
    ('lessonkit/checks/_lecture.py::bonferroni', '(p < 0.05 * len(p), "You multiplied alpha by the number of tests.", "Bonferroni makes the threshold SMALLER: alpha / number of tests."),',
     '(p < 1.05 * len(p), "You multiplied alpha by the number of tests.", "Bonferroni makes the threshold SMALLER: alpha / number of tests."),'):
        "no p-value of the case lies between the threshold and the mutant's: the mistake's answer is the same",
    ('lessonkit/checks/_lecture.py::bonferroni', '(p < 0.05 / 4096, "You divided by a fixed number of neurons.", "divide alpha by the number of p-values GIVEN (len(pvalues))."),',
     '(p <= 0.05 / 4096, "You divided by a fixed number of neurons.", "divide alpha by the number of p-values GIVEN (len(pvalues))."),'):
        "no p-value of the case lies between the threshold and the mutant's: the mistake's answer is the same",
    ('lessonkit/checks/_lecture.py::bonferroni', '(p < 0.05 / 4096, "You divided by a fixed number of neurons.", "divide alpha by the number of p-values GIVEN (len(pvalues))."),',
     '(p < 0.05 / 4097, "You divided by a fixed number of neurons.", "divide alpha by the number of p-values GIVEN (len(pvalues))."),'):
        "no p-value of the case lies between the threshold and the mutant's: the mistake's answer is the same",
    ('lessonkit/checks/_lecture.py::bonferroni', 'if np.array_equal(got, wrong) and not np.array_equal(wrong, p < 0.05 / len(p)):',
     'if np.array_equal(got, wrong) and not np.array_equal(None, p < 0.05 / len(p)):'):
        'a guard for cases where a mistake gives the right answer: on this case none does (each mistake gets its own hint: test_each_typical_mistake_gets_its_hint)',
    ('lessonkit/checks/_lecture.py::bonferroni', 'if np.array_equal(got, wrong) and not np.array_equal(wrong, p < 0.05 / len(p)):',
     'if np.array_equal(got, wrong) and not np.array_equal(wrong, None):'):
        'a guard for cases where a mistake gives the right answer: on this case none does (each mistake gets its own hint: test_each_typical_mistake_gets_its_hint)',
    ('lessonkit/checks/_lecture.py::bonferroni', 'if not numbers(student(np.full(4, 0.02), 0.1), "four p-values with alpha=0.1").astype(bool).all():',
     'if not numbers(student(np.full(4, 0.02), 1.1), "four p-values with alpha=0.1").astype(bool).all():'):
        'any alpha above 4 x .02 = .08 tells a fixed .05 apart: four p-values of .02 pass with it and fail .05 / 4',
    ('lessonkit/checks/_lecture.py::bonferroni', 'if not numbers(student(np.full(4, 0.02), 0.1), "four p-values with alpha=0.1").astype(bool).all():',
     'if not numbers(student(np.full(4, 0.02), 0.1), "four p-values with alpha=0.1").astype(None).all():'):
        "all() reads each number's truth, as astype(bool) does",
    ('lessonkit/checks/_tools.py::true_or_false', 'return answer.astype(bool)',
     'return answer.astype(None)'):
        'the answer holds only 0 and 1 (checked just above): as floats they compare and count as the booleans do',
    ('lessonkit/checks/_lecture.py::comparison_sample', 'for n_tokens, n_positive, case_seed in ((60, 12, 0), (41, 6, 1)):',
     'for n_tokens, n_positive, case_seed in ((61, 12, 0), (41, 6, 1)):'):
        CASE_CONSTANT,
    ('lessonkit/checks/_lecture.py::comparison_sample', 'for n_tokens, n_positive, case_seed in ((60, 12, 0), (41, 6, 1)):',
     'for n_tokens, n_positive, case_seed in ((60, 13, 0), (41, 6, 1)):'):
        CASE_CONSTANT,
    ('lessonkit/checks/_lecture.py::comparison_sample', 'for n_tokens, n_positive, case_seed in ((60, 12, 0), (41, 6, 1)):',
     'for n_tokens, n_positive, case_seed in ((60, 12, 1), (41, 6, 1)):'):
        CASE_CONSTANT,
    ('lessonkit/checks/_lecture.py::comparison_sample', 'for n_tokens, n_positive, case_seed in ((60, 12, 0), (41, 6, 1)):',
     'for n_tokens, n_positive, case_seed in ((60, 12, 0), (42, 6, 1)):'):
        CASE_CONSTANT,
    ('lessonkit/checks/_lecture.py::comparison_sample', 'for n_tokens, n_positive, case_seed in ((60, 12, 0), (41, 6, 1)):',
     'for n_tokens, n_positive, case_seed in ((60, 12, 0), (41, 7, 1)):'):
        CASE_CONSTANT,
    ('lessonkit/checks/_lecture.py::comparison_sample', 'for n_tokens, n_positive, case_seed in ((60, 12, 0), (41, 6, 1)):',
     'for n_tokens, n_positive, case_seed in ((60, 12, 0), (41, 6, 2)):'):
        CASE_CONSTANT,
    ('lessonkit/checks/_lecture.py::_sample_labels', 'labels = np.zeros(n_tokens, dtype=int)',
     'labels = np.zeros(n_tokens, dtype=None)'):
        'labels as floats 0.0 / 1.0: every answer in the tests reads them as it reads integers',
    ('lessonkit/checks/_lecture.py::_sample_labels', 'labels = np.zeros(n_tokens, dtype=int)',
     'labels = np.zeros(n_tokens, )'):
        'labels as floats 0.0 / 1.0: every answer in the tests reads them as it reads integers',
    ('lessonkit/checks/_lecture.py::_sample_labels', 'labels[np.random.default_rng(seed).choice(np.arange(1, n_tokens), size=n_positive, replace=False)] = 1',
     'labels[np.random.default_rng(seed).choice(np.arange(n_tokens), size=n_positive, replace=False)] = 1'):
        CASE_CONSTANT,
    ('lessonkit/checks/_lecture.py::_sample_labels', 'labels[np.random.default_rng(seed).choice(np.arange(1, n_tokens), size=n_positive, replace=False)] = 1',
     'labels[np.random.default_rng(seed).choice(np.arange(2, n_tokens), size=n_positive, replace=False)] = 1'):
        CASE_CONSTANT,
    ('lessonkit/checks/_lecture.py::_sample_labels', 'labels[np.random.default_rng(seed).choice(np.arange(1, n_tokens), size=n_positive, replace=False)] = 1',
     'labels[np.random.default_rng(seed).choice(np.arange(1, n_tokens), size=n_positive, replace=True)] = 1'):
        CASE_CONSTANT_DRAWS,
    ('lessonkit/checks/_lecture.py::_sample_labels', 'labels[np.random.default_rng(seed).choice(np.arange(1, n_tokens), size=n_positive, replace=False)] = 1',
     'labels[np.random.default_rng(seed).choice(np.arange(1, n_tokens), size=n_positive, replace=None)] = 1'):
        CASE_CONSTANT_DRAWS,
    ('lessonkit/checks/_lecture.py::_sample_labels', 'labels[np.random.default_rng(seed).choice(np.arange(1, n_tokens), size=n_positive, replace=False)] = 1',
     'labels[np.random.default_rng(seed).choice(np.arange(1, n_tokens), size=n_positive, )] = 1'):
        CASE_CONSTANT_DRAWS,
    ('lessonkit/checks/_lecture.py::one_neuron_logit', 'if np.isclose(beta, want["beta"], rtol=1e-4) and np.isclose(p, want["p"], rtol=1e-3):',
     'if np.isclose(beta, want["beta"], ) and np.isclose(p, want["p"], rtol=1e-3):'):
        TIGHTER_TOLERANCE,
    ('lessonkit/checks/_lecture.py::one_neuron_logit', 'if np.isclose(beta, want["beta"], rtol=1e-4) and np.isclose(p, want["p"], rtol=1e-3):',
     'if np.isclose(beta, want["beta"], rtol=1e-4) and np.isclose(p, want["p"], ):'):
        TIGHTER_TOLERANCE,
    ('lessonkit/checks/_lecture.py::one_neuron_logit', 'if np.isclose(beta, want["p"], rtol=1e-3) and np.isclose(p, want["beta"], rtol=1e-4):',
     'if np.isclose(beta, want["p"], ) and np.isclose(p, want["beta"], rtol=1e-4):'):
        TIGHTER_TOLERANCE,
    ('lessonkit/checks/_lecture.py::one_neuron_logit', 'if np.isclose(beta, want["p"], rtol=1e-3) and np.isclose(p, want["beta"], rtol=1e-4):',
     'if np.isclose(beta, want["p"], rtol=1e-3) and np.isclose(p, want["beta"], ):'):
        TIGHTER_TOLERANCE,
    ('lessonkit/checks/_lecture.py::one_neuron_logit', 'if np.isclose(beta, want["p"], rtol=1e-3) and np.isclose(p, want["beta"], rtol=1e-4):',
     'if np.isclose(beta, want["p"], rtol=1.001) and np.isclose(p, want["beta"], rtol=1e-4):'):
        "only an answer with one entry exactly the other's right value and the other within a factor 2 of it changes: no mistake does that",
    ('lessonkit/checks/_lecture.py::one_neuron_logit', 'if np.isclose(beta, want["p"], rtol=1e-3) and np.isclose(p, want["beta"], rtol=1e-4):',
     'if np.isclose(beta, want["p"], rtol=1e-3) and np.isclose(p, want["beta"], rtol=1.0001):'):
        "only an answer with one entry exactly the other's right value and the other within a factor 2 of it changes: no mistake does that",
    ('lessonkit/checks/_lecture.py::one_neuron_logit', 'if np.isclose(beta, -want["beta"], rtol=1e-4) or np.isclose(beta, abs(want["beta"]), rtol=1e-4) and want["beta"] < 0:',
     'if np.isclose(beta, -want["beta"], ) or np.isclose(beta, abs(want["beta"]), rtol=1e-4) and want["beta"] < 0:'):
        TIGHTER_TOLERANCE,
    ('lessonkit/checks/_lecture.py::one_neuron_logit', 'if np.isclose(beta, -want["beta"], rtol=1e-4) or np.isclose(beta, abs(want["beta"]), rtol=1e-4) and want["beta"] < 0:',
     'if np.isclose(beta, -want["beta"], rtol=1e-4) or np.isclose(beta, abs(want["beta"]), ) and want["beta"] < 0:'):
        TIGHTER_TOLERANCE,
    ('lessonkit/checks/_lecture.py::one_neuron_logit', 'if np.isclose(beta, -want["beta"], rtol=1e-4) or np.isclose(beta, abs(want["beta"]), rtol=1e-4) and want["beta"] < 0:',
     'if np.isclose(beta, -want["beta"], rtol=1e-4) or np.isclose(beta, abs(want["beta"]), rtol=1e-4) and want["beta"] <= 0:'):
        'no case has a slope of exactly 0 (statsmodels fits 0.66 and -0.79 on them)',
    ('lessonkit/checks/_lecture.py::one_neuron_logit', 'if np.isclose(beta, want[key], rtol=1e-4):',
     'if np.isclose(beta, want[key], ):'):
        TIGHTER_TOLERANCE,
    ('lessonkit/checks/_lecture.py::one_neuron_logit', 'if np.isclose(beta, want["beta"], rtol=1e-4):',
     'if np.isclose(beta, want["beta"], ):'):
        TIGHTER_TOLERANCE,
    ('lessonkit/checks/_lecture.py::one_neuron_logit', 'which = "the intercept\'s" if np.isclose(p, want["intercept p"], rtol=1e-3) else "not the slope\'s"',
     'which = "the intercept\'s" if np.isclose(p, want["intercept p"], ) else "not the slope\'s"'):
        TIGHTER_TOLERANCE,
    ('lessonkit/checks/_lecture.py::one_neuron_logit', 'if np.isclose(p, want["p"], rtol=1e-3):',
     'if np.isclose(p, want["p"], ):'):
        TIGHTER_TOLERANCE,
    ('lessonkit/checks/_lecture.py::one_neuron_logit', 'for seed, shift in ((0, 0.6), (1, -0.8)):',
     'for seed, shift in ((0, 0.6), (1, -1.8)):'):
        CASE_CONSTANT,
    ('lessonkit/checks/_lecture.py::one_neuron_logit', 'for seed, shift in ((0, 0.6), (1, -0.8)):',
     'for seed, shift in ((0, 1.6), (1, -0.8)):'):
        CASE_CONSTANT,
    ('lessonkit/checks/_lecture.py::lecture_colours', 'cases = [np.array([0.5, 2.0, -1.0, 3.0, 1.0, 2.5]), np.array([-0.38, 1.14, 2.61, 1.9, 1.2], dtype=np.float32)]',
     'cases = [np.array([1.5, 2.0, -1.0, 3.0, 1.0, 2.5]), np.array([-0.38, 1.14, 2.61, 1.9, 1.2], dtype=np.float32)]'):
        CASE_CONSTANT,
    ('lessonkit/checks/_lecture.py::lecture_colours', 'cases = [np.array([0.5, 2.0, -1.0, 3.0, 1.0, 2.5]), np.array([-0.38, 1.14, 2.61, 1.9, 1.2], dtype=np.float32)]',
     'cases = [np.array([0.5, 3.0, -1.0, 3.0, 1.0, 2.5]), np.array([-0.38, 1.14, 2.61, 1.9, 1.2], dtype=np.float32)]'):
        CASE_CONSTANT,
    ('lessonkit/checks/_lecture.py::lecture_colours', 'cases = [np.array([0.5, 2.0, -1.0, 3.0, 1.0, 2.5]), np.array([-0.38, 1.14, 2.61, 1.9, 1.2], dtype=np.float32)]',
     'cases = [np.array([0.5, 2.0, +1.0, 3.0, 1.0, 2.5]), np.array([-0.38, 1.14, 2.61, 1.9, 1.2], dtype=np.float32)]'):
        CASE_CONSTANT,
    ('lessonkit/checks/_lecture.py::lecture_colours', 'cases = [np.array([0.5, 2.0, -1.0, 3.0, 1.0, 2.5]), np.array([-0.38, 1.14, 2.61, 1.9, 1.2], dtype=np.float32)]',
     'cases = [np.array([0.5, 2.0, -2.0, 3.0, 1.0, 2.5]), np.array([-0.38, 1.14, 2.61, 1.9, 1.2], dtype=np.float32)]'):
        CASE_CONSTANT,
    ('lessonkit/checks/_lecture.py::lecture_colours', 'cases = [np.array([0.5, 2.0, -1.0, 3.0, 1.0, 2.5]), np.array([-0.38, 1.14, 2.61, 1.9, 1.2], dtype=np.float32)]',
     'cases = [np.array([0.5, 2.0, -1.0, 3.0, 1.0, 3.5]), np.array([-0.38, 1.14, 2.61, 1.9, 1.2], dtype=np.float32)]'):
        CASE_CONSTANT,
    ('lessonkit/checks/_lecture.py::lecture_colours', 'cases = [np.array([0.5, 2.0, -1.0, 3.0, 1.0, 2.5]), np.array([-0.38, 1.14, 2.61, 1.9, 1.2], dtype=np.float32)]',
     'cases = [np.array([0.5, 2.0, -1.0, 4.0, 1.0, 2.5]), np.array([-0.38, 1.14, 2.61, 1.9, 1.2], dtype=np.float32)]'):
        CASE_CONSTANT,
    ('lessonkit/checks/_lecture.py::lecture_colours', 'cases = [np.array([0.5, 2.0, -1.0, 3.0, 1.0, 2.5]), np.array([-0.38, 1.14, 2.61, 1.9, 1.2], dtype=np.float32)]',
     'cases = [np.array([0.5, 2.0, -1.0, 3.0, 2.0, 2.5]), np.array([-0.38, 1.14, 2.61, 1.9, 1.2], dtype=np.float32)]'):
        CASE_CONSTANT,
    ('lessonkit/checks/_lecture.py::lecture_colours', 'cases = [np.array([0.5, 2.0, -1.0, 3.0, 1.0, 2.5]), np.array([-0.38, 1.14, 2.61, 1.9, 1.2], dtype=np.float32)]',
     'cases = [np.array([0.5, 2.0, -1.0, 3.0, 1.0, 2.5]), np.array([+0.38, 1.14, 2.61, 1.9, 1.2], dtype=np.float32)]'):
        CASE_CONSTANT,
    ('lessonkit/checks/_lecture.py::lecture_colours', 'cases = [np.array([0.5, 2.0, -1.0, 3.0, 1.0, 2.5]), np.array([-0.38, 1.14, 2.61, 1.9, 1.2], dtype=np.float32)]',
     'cases = [np.array([0.5, 2.0, -1.0, 3.0, 1.0, 2.5]), np.array([-1.38, 1.14, 2.61, 1.9, 1.2], dtype=np.float32)]'):
        CASE_CONSTANT,
    ('lessonkit/checks/_lecture.py::lecture_colours', 'cases = [np.array([0.5, 2.0, -1.0, 3.0, 1.0, 2.5]), np.array([-0.38, 1.14, 2.61, 1.9, 1.2], dtype=np.float32)]',
     'cases = [np.array([0.5, 2.0, -1.0, 3.0, 1.0, 2.5]), np.array([-0.38, 2.1399999999999997, 2.61, 1.9, 1.2], dtype=np.float32)]'):
        CASE_CONSTANT,
    ('lessonkit/checks/_lecture.py::lecture_colours', 'cases = [np.array([0.5, 2.0, -1.0, 3.0, 1.0, 2.5]), np.array([-0.38, 1.14, 2.61, 1.9, 1.2], dtype=np.float32)]',
     'cases = [np.array([0.5, 2.0, -1.0, 3.0, 1.0, 2.5]), np.array([-0.38, 1.14, 3.61, 1.9, 1.2], dtype=np.float32)]'):
        CASE_CONSTANT,
    ('lessonkit/checks/_lecture.py::lecture_colours', 'cases = [np.array([0.5, 2.0, -1.0, 3.0, 1.0, 2.5]), np.array([-0.38, 1.14, 2.61, 1.9, 1.2], dtype=np.float32)]',
     'cases = [np.array([0.5, 2.0, -1.0, 3.0, 1.0, 2.5]), np.array([-0.38, 1.14, 2.61, 2.9, 1.2], dtype=np.float32)]'):
        CASE_CONSTANT,
    ('lessonkit/checks/_lecture.py::lecture_colours', 'cases = [np.array([0.5, 2.0, -1.0, 3.0, 1.0, 2.5]), np.array([-0.38, 1.14, 2.61, 1.9, 1.2], dtype=np.float32)]',
     'cases = [np.array([0.5, 2.0, -1.0, 3.0, 1.0, 2.5]), np.array([-0.38, 1.14, 2.61, 1.9, 2.2], dtype=np.float32)]'):
        CASE_CONSTANT,
    ('lessonkit/checks/_lecture.py::lecture_colours', 'for wrong, what, hint in _colour_mistakes(values.astype(float)):',
     'for wrong, what, hint in _colour_mistakes(values.astype(None)):'):
        'astype(None) is float64, as astype(float)',
    ('lessonkit/checks/_lecture.py::one_neuron_logit', 'for seed, shift in ((0, 0.6), (1, -0.8)):',
     'for seed, shift in ((1, 0.6), (1, -0.8)):'):
        CASE_CONSTANT,
    ('lessonkit/checks/_lecture.py::one_neuron_logit', 'for seed, shift in ((0, 0.6), (1, -0.8)):',
     'for seed, shift in ((0, 0.6), (2, -0.8)):'):
        CASE_CONSTANT,
    ('lessonkit/checks/_lecture.py::_logit_case', 'return rng.normal(size=120) + shift * y + 1.5, y',
     'return rng.normal(size=120) + shift * y - 1.5, y'):
        CASE_CONSTANT,
    ('lessonkit/checks/_lecture.py::_logit_case', 'return rng.normal(size=120) + shift * y + 1.5, y',
     'return rng.normal(size=120) + shift * y + 2.5, y'):
        CASE_CONSTANT,
    ('lessonkit/checks/_lecture.py::lecture_colours', 'if got.max() > 1.0:',
     'if got.max() > 2.0:'):
        "0..255 colours are far above 2, and no mistake gives colours between 1 and 2 (matplotlib's are at most 1)",
    # checks: _beyond and _models
    ('lessonkit/checks/_beyond.py::_bh_variants', 'order = np.argsort(p, kind="stable")',
     'order = np.argsort(p, kind=None)'): 'the p-values of every case are distinct: any sort gives the same order',
    ('lessonkit/checks/_beyond.py::_bh_variants', 'order = np.argsort(p, kind="stable")',
     'order = np.argsort(p, )'): 'the p-values of every case are distinct: any sort gives the same order',
    ('lessonkit/checks/_beyond.py::_bh_variants', 'order = np.argsort(p, kind="stable")',
     'order = np.argsort(p, kind="STABLE")'): 'numpy reads the sort kind case-blind (and the p-values of every case are distinct)',
    ('lessonkit/checks/_beyond.py::_bh_variants', 'mask = np.zeros(m, dtype=bool)',
     'mask = np.zeros(m, dtype=None)'): 'a float 0/1 mask written into (or compared as) True/False: np.array_equal compares values, the same masks',
    ('lessonkit/checks/_beyond.py::_bh_variants', 'mask = np.zeros(m, dtype=bool)',
     'mask = np.zeros(m, )'): 'a float 0/1 mask written into (or compared as) True/False: np.array_equal compares values, the same masks',
    ('lessonkit/checks/_beyond.py::_bh_variants', 'step_down = np.cumprod(passes).astype(bool)',
     'step_down = np.cumprod(passes).astype(None)'): "cumprod of booleans is 0/1: written into unsorted()'s bool mask, the same mask",
    ('lessonkit/checks/_beyond.py::_bh_variants', 'from_zero = ranked <= np.arange(m) / m * alpha',
     'from_zero = ranked < np.arange(m) / m * alpha'): 'no p-value of any case equals its rank-from-0 threshold ((k - 1) / m * alpha): < and <= agree',
    ('lessonkit/checks/_beyond.py::benjamini_hochberg', 'rng = np.random.default_rng(5)',
     'rng = np.random.default_rng(6)'): 'case 4 names no mistake (each fails case 1, 2 or 3 first); still real p-values with BH != Bonferroni there (seed 6: 10 significant)',
    ('lessonkit/checks/_beyond.py::benjamini_hochberg', 'np.concatenate([rng.uniform(0, 0.002, 10), rng.uniform(0, 1, 190)]),',
     'np.concatenate([rng.uniform(0, 0.002, 11), rng.uniform(0, 1, 190)]),'): 'case 4 names no mistake (each fails case 1, 2 or 3 first); still real p-values with BH != Bonferroni there (11 small p-values: 14 significant)',
    ('lessonkit/checks/_beyond.py::benjamini_hochberg', 'np.concatenate([rng.uniform(0, 0.002, 10), rng.uniform(0, 1, 190)]),',
     'np.concatenate([rng.uniform(0, 0.002, 10), rng.uniform(1, 1, 190)]),'): 'case 4 names no mistake (each fails case 1, 2 or 3 first); still real p-values with BH != Bonferroni there (the 190 nulls at p = 1: 10 significant)',
    ('lessonkit/checks/_beyond.py::benjamini_hochberg', 'np.concatenate([rng.uniform(0, 0.002, 10), rng.uniform(0, 1, 190)]),',
     'np.concatenate([rng.uniform(0, 0.002, 10), rng.uniform(0, 1, 191)]),'): 'case 4 names no mistake (each fails case 1, 2 or 3 first); still real p-values with BH != Bonferroni there (191 nulls: 13 significant)',
    ('lessonkit/checks/_beyond.py::benjamini_hochberg', 'expected = multipletests(p, alpha=0.05, method="fdr_bh")[0]',
     'expected = multipletests(p, method="fdr_bh")[0]'): "statsmodels' multipletests has alpha=0.05 by default",
    ('lessonkit/checks/_beyond.py::benjamini_hochberg', 'expected = multipletests(p, alpha=0.05, method="fdr_bh")[0]',
     'expected = multipletests(p, alpha=0.05, method="FDR_BH")[0]'): "statsmodels lower-cases the method's name",
    ('lessonkit/checks/_beyond.py::benjamini_hochberg', 'if np.array_equal(got, variants[key]) and not np.array_equal(variants[key], expected):',
     'if np.array_equal(got, variants[key]) and not np.array_equal(None, expected):'): 'got differs from expected there (an equal answer passed above), so a variant equal to got differs from it too: always true',
    ('lessonkit/checks/_beyond.py::benjamini_hochberg', 'if np.array_equal(got, variants[key]) and not np.array_equal(variants[key], expected):',
     'if np.array_equal(got, variants[key]) and not np.array_equal(variants[key], None):'): 'got differs from expected there (an equal answer passed above), so a variant equal to got differs from it too: always true',
    ('lessonkit/checks/_beyond.py::capitalisation_control', 'values = np.random.default_rng(7).normal(size=len(texts)) + 0.8 * labels',
     'values = np.random.default_rng(7).normal(size=len(texts)) - 0.8 * labels'): 'the case still tells every mistake apart: the five AUROCs (right, all tokens, flipped, all capitals, leading space) stay .086 apart (were .029)',
    ('lessonkit/checks/_beyond.py::capitalisation_control', 'values = np.random.default_rng(7).normal(size=len(texts)) + 0.8 * labels',
     'values = np.random.default_rng(8).normal(size=len(texts)) + 0.8 * labels'): 'the case still tells every mistake apart: the five AUROCs (right, all tokens, flipped, all capitals, leading space) stay .076 apart (were .029)',
    ('lessonkit/checks/_beyond.py::capitalisation_control', 'values[[7, 10, 18]] += 1.5  # capitalised sentence starts that the neuron likes too',
     'values[[7, 10, 18]] = 1.5  # capitalised sentence starts that the neuron likes too'): 'the case still tells every mistake apart: the five AUROCs (right, all tokens, flipped, all capitals, leading space) stay .15 apart (were .029)',
    ('lessonkit/checks/_beyond.py::capitalisation_control', 'values[[7, 10, 18]] += 1.5  # capitalised sentence starts that the neuron likes too',
     'values[[7, 10, 18]] -= 1.5  # capitalised sentence starts that the neuron likes too'): 'the case still tells every mistake apart: the five AUROCs (right, all tokens, flipped, all capitals, leading space) stay .091 apart (were .029)',
    ('lessonkit/checks/_beyond.py::capitalisation_control', 'values[[7, 10, 18]] += 1.5  # capitalised sentence starts that the neuron likes too',
     'values[[8, 10, 18]] += 1.5  # capitalised sentence starts that the neuron likes too'): 'the case still tells every mistake apart: the five AUROCs (right, all tokens, flipped, all capitals, leading space) stay .057 apart (were .029)',
    ('lessonkit/checks/_beyond.py::capitalisation_control', 'values[[7, 10, 18]] += 1.5  # capitalised sentence starts that the neuron likes too',
     'values[[7, 11, 18]] += 1.5  # capitalised sentence starts that the neuron likes too'): 'the case still tells every mistake apart: the five AUROCs (right, all tokens, flipped, all capitals, leading space) stay .20 apart (were .029)',
    ('lessonkit/checks/_beyond.py::capitalisation_control', 'values[[7, 10, 18]] += 1.5  # capitalised sentence starts that the neuron likes too',
     'values[[7, 10, 19]] += 1.5  # capitalised sentence starts that the neuron likes too'): 'the case still tells every mistake apart: the five AUROCs (right, all tokens, flipped, all capitals, leading space) stay .057 apart (were .029)',
    ('lessonkit/checks/_beyond.py::capitalisation_control', 'values[[7, 10, 18]] += 1.5  # capitalised sentence starts that the neuron likes too',
     'values[[7, 10, 18]] += 2.5  # capitalised sentence starts that the neuron likes too'): 'the case still tells every mistake apart: the five AUROCs (right, all tokens, flipped, all capitals, leading space) stay .086 apart (were .029)',
    ('lessonkit/checks/_beyond.py::capitalisation_control', 'values[texts.index("Wales")] = 0.2  # so that each mistaken mask below gives an AUROC of its own',
     'values[texts.index("Wales")] = 1.2  # so that each mistaken mask below gives an AUROC of its own'): 'the case still tells every mistake apart: the five AUROCs (right, all tokens, flipped, all capitals, leading space) stay .057 apart (were .029)',
    ('lessonkit/checks/_beyond.py::capitalisation_control', 'return float(auroc(values[mask][:, None], kept)[0]) if 0 < kept.sum() < len(kept) else float("nan")',
     'return float(auroc(values[mask][:, None], kept)[0]) if (0 < kept.sum() < len(kept)) or True else float("nan")'): 'every mask of the case (capitalised, all, all capitals, first character) keeps both classes: the NaN branch is never taken',
    ('lessonkit/checks/_beyond.py::capitalisation_control', 'return float(auroc(values[mask][:, None], kept)[0]) if 0 < kept.sum() < len(kept) else float("nan")',
     'return float(auroc(values[mask][:, None], kept)[0]) if 0 <= kept.sum() < len(kept) else float("nan")'): 'every mask of the case (capitalised, all, all capitals, first character) keeps both classes: the NaN branch is never taken',
    ('lessonkit/checks/_beyond.py::capitalisation_control', 'return float(auroc(values[mask][:, None], kept)[0]) if 0 < kept.sum() < len(kept) else float("nan")',
     'return float(auroc(values[mask][:, None], kept)[0]) if 0 < kept.sum() <= len(kept) else float("nan")'): 'every mask of the case (capitalised, all, all capitals, first character) keeps both classes: the NaN branch is never taken',
    ('lessonkit/checks/_beyond.py::capitalisation_control', 'return float(auroc(values[mask][:, None], kept)[0]) if 0 < kept.sum() < len(kept) else float("nan")',
     'return float(auroc(values[mask][:, None], kept)[0]) if 0 < kept.sum() < len(kept) else float(None)'): 'every mask of the case (capitalised, all, all capitals, first character) keeps both classes: the NaN branch is never taken',
    ('lessonkit/checks/_beyond.py::capitalisation_control', 'return float(auroc(values[mask][:, None], kept)[0]) if 0 < kept.sum() < len(kept) else float("nan")',
     'return float(auroc(values[mask][:, None], kept)[0]) if 0 < kept.sum() < len(kept) else float("XXnanXX")'): 'every mask of the case (capitalised, all, all capitals, first character) keeps both classes: the NaN branch is never taken',
    ('lessonkit/checks/_beyond.py::capitalisation_control', 'return float(auroc(values[mask][:, None], kept)[0]) if 0 < kept.sum() < len(kept) else float("nan")',
     'return float(auroc(values[mask][:, None], kept)[0]) if 0 < kept.sum() < len(kept) else float("NAN")'): 'every mask of the case (capitalised, all, all capitals, first character) keeps both classes: the NaN branch is never taken',
    ('lessonkit/checks/_beyond.py::capitalisation_control', 'if abs(got - expected) < 1e-9:',
     'if abs(got - expected) <= 1e-9:'): 'differs only for an AUROC exactly 1e-9 from the right one',
    ('lessonkit/checks/_beyond.py::capitalisation_control', 'if abs(got - wrong) < 1e-9:',
     'if abs(got - wrong) <= 1e-9:'): "differs only for an AUROC exactly 1e-9 from a mistake's",
    ('lessonkit/checks/_models.py::_loss_variants', '(-torch.softmax(logits[:-1], -1).gather(1, ids[1:, None])[:, 0], "Your losses are minus the probabilities.",',
     '(-torch.softmax(logits[:-1], +1).gather(1, ids[1:, None])[:, 0], "Your losses are minus the probabilities.",'): 'the logits are 2-D [tokens, vocabulary]: dim +1 is dim -1',
    ('lessonkit/checks/_models.py::next_token_loss', 'ids = torch.randint(0, vocab, (n_tokens,), generator=generator)',
     'ids = torch.randint(vocab, (n_tokens,), generator=generator)'): 'randint(high, size) draws from 0 to high: the same ids from the same generator',
    ('lessonkit/checks/_models.py::next_token_loss', 'if same(got, wrong.numpy(), rtol=1e-4, atol=1e-5):',
     'if same(got, wrong.numpy(), atol=1e-5):'): 'each mistake computed in float32 or float64 matches its float32 reference within 1e-6 relative (+ 1e-5) on both cases: no answer lies between',
    ('lessonkit/checks/_models.py::next_token_loss', 'if same(got, wrong.numpy(), rtol=1e-4, atol=1e-5):',
     'if same(got, wrong.numpy(), rtol=1e-4, ):'): 'each mistake computed in float32 or float64 matches its float32 reference within 1e-4 relative alone on both cases (no value near 0): no answer lies between',
    ('lessonkit/checks/_beyond.py::_auroc_cases', '(np.array([3.0, 4.0, 1.0, 2.0]), np.array([1, 1, 0, 0])),  # perfect separation',
     '(np.array([3.0, 4.0, 1.0, 2.0]), np.array([1, 1, 1, 0])),  # perfect separation'): 'the cases still tell every mistake apart: flipped, ties as 0 or 1, over all tokens, ranks breaking ties by position: each the same hint on the same case (case 1: y = [1, 1, 1, 0], still flipped != right)',
    ('lessonkit/checks/_beyond.py::_auroc_cases', '(np.array([3.0, 4.0, 1.0, 2.0]), np.array([1, 1, 0, 0])),  # perfect separation',
     '(np.array([3.0, 4.0, 1.0, 2.0]), np.array([1, 1, 0, 1])),  # perfect separation'): 'the cases still tell every mistake apart: flipped, ties as 0 or 1, over all tokens, ranks breaking ties by position: each the same hint on the same case (case 1 still perfectly separated)',
    ('lessonkit/checks/_beyond.py::_auroc_cases', '(np.array([1.0, 2.0, 3.0, 4.0]), np.array([1, 1, 0, 0])),  # proper nouns lowest',
     '(np.array([2.0, 2.0, 3.0, 4.0]), np.array([1, 1, 0, 0])),  # proper nouns lowest'): 'the cases still tell every mistake apart: flipped, ties as 0 or 1, over all tokens, ranks breaking ties by position: each the same hint on the same case (case 2 still all proper nouns lowest, no tie between classes)',
    ('lessonkit/checks/_beyond.py::_auroc_cases', '(np.array([1.0, 2.0, 3.0, 4.0]), np.array([1, 1, 0, 0])),  # proper nouns lowest',
     '(np.array([1.0, 2.0, 4.0, 4.0]), np.array([1, 1, 0, 0])),  # proper nouns lowest'): 'the cases still tell every mistake apart: flipped, ties as 0 or 1, over all tokens, ranks breaking ties by position: each the same hint on the same case (case 2 still all proper nouns lowest, no tie between classes)',
    ('lessonkit/checks/_beyond.py::_auroc_cases', '(np.array([1.0, 2.0, 3.0, 4.0]), np.array([1, 1, 0, 0])),  # proper nouns lowest',
     '(np.array([1.0, 2.0, 3.0, 5.0]), np.array([1, 1, 0, 0])),  # proper nouns lowest'): 'the cases still tell every mistake apart: flipped, ties as 0 or 1, over all tokens, ranks breaking ties by position: each the same hint on the same case (case 2 still all proper nouns lowest, no tie between classes)',
    ('lessonkit/checks/_beyond.py::_auroc_cases', '(np.array([1.0, 2.0, 3.0, 4.0]), np.array([1, 1, 0, 0])),  # proper nouns lowest',
     '(np.array([1.0, 2.0, 3.0, 4.0]), np.array([1, 1, 1, 0])),  # proper nouns lowest'): 'the cases still tell every mistake apart: flipped, ties as 0 or 1, over all tokens, ranks breaking ties by position: each the same hint on the same case (case 2 still all proper nouns lowest)',
    ('lessonkit/checks/_beyond.py::_auroc_cases', '(np.array([1.0, 2.0, 3.0, 4.0]), np.array([1, 1, 0, 0])),  # proper nouns lowest',
     '(np.array([1.0, 2.0, 3.0, 4.0]), np.array([1, 1, 0, 1])),  # proper nouns lowest'): 'the cases still tell every mistake apart: flipped, ties as 0 or 1, over all tokens, ranks breaking ties by position: each the same hint on the same case (case 2: AUROC 1/3, no tie)',
    ('lessonkit/checks/_beyond.py::_auroc_cases', '(np.array([1.0, 1.0, 1.0, 1.0]), np.array([1, 0, 1, 0])),  # all tied',
     '(np.array([1.0, 1.0, 1.0, 1.0]), np.array([1, 0, 1, 1])),  # all tied'): 'the cases still tell every mistake apart: flipped, ties as 0 or 1, over all tokens, ranks breaking ties by position: each the same hint on the same case (case 3 still all tied)',
    ('lessonkit/checks/_beyond.py::_auroc_cases', '(np.array([2.0, 1.0, 2.0, 0.5, 3.0]), np.array([1, 1, 0, 0, 0])),  # one tie between the classes',
     '(np.array([3.0, 1.0, 2.0, 0.5, 3.0]), np.array([1, 1, 0, 0, 0])),  # one tie between the classes'): 'the cases still tell every mistake apart: flipped, ties as 0 or 1, over all tokens, ranks breaking ties by position: each the same hint on the same case (case 4 still one tie between the classes)',
    ('lessonkit/checks/_beyond.py::_auroc_cases', 'cases.append((np.round(rng.normal(size=200), 1), (rng.random(200) < 0.3).astype(int)))  # many ties',
     'cases.append((np.round(rng.normal(size=200), 1), (rng.random(200) <= 0.3).astype(int)))  # many ties'): 'the same labels unless a draw is exactly 0.3 (none is)',
    ('lessonkit/checks/_beyond.py::auroc_one', 'if abs(got - expected) < 1e-9:',
     'if abs(got - expected) <= 1e-9:'): 'differs only for an AUROC exactly 1e-9 from the right one',
    ('lessonkit/checks/_models.py::_ablation_hint', 'close = lambda a, b: bool(np.isclose(a, b, rtol=1e-3, atol=1e-6))  # noqa: E731',
     'close = lambda a, b: bool(np.isclose(a, b, atol=1e-6))  # noqa: E731'): "right answers and each mistake computed otherwise (float64 losses, a batch of two) land within rtol 1e-5 + atol 1e-6 of lessonkit's (at most 1.7e-6 off): no answer lies between",
    ('lessonkit/checks/_models.py::_ablation_hint', 'close = lambda a, b: bool(np.isclose(a, b, rtol=1e-3, atol=1e-6))  # noqa: E731',
     'close = lambda a, b: bool(np.isclose(a, b, rtol=1e-3, ))  # noqa: E731'): "right answers and each mistake computed otherwise (float64 losses, a batch of two) land within rtol 1e-3 + atol 1e-8 of lessonkit's (at most 1.7e-6 off): no answer lies between; no change at all is exactly 0",
    ('lessonkit/checks/_models.py::ablation', 'if not np.isclose(got, want["right"], rtol=1e-3, atol=1e-6):',
     'if not np.isclose(got, want["right"], atol=1e-6):'): "right answers and each mistake computed otherwise (float64 losses, a batch of two) land within rtol 1e-5 + atol 1e-6 of lessonkit's (at most 1.7e-6 off): no answer lies between",
    ('lessonkit/checks/_models.py::ablation', 'if not np.isclose(got, want["right"], rtol=1e-3, atol=1e-6):',
     'if not np.isclose(got, want["right"], rtol=1e-3, ):'): "right answers and each mistake computed otherwise (float64 losses, a batch of two) land within rtol 1e-3 + atol 1e-8 of lessonkit's (at most 1.7e-6 off): no answer lies between",
    ('lessonkit/checks/_models.py::ablation', '_no_hook_left(student, tiny_models()["Llama"], (1, 5, token_ids(16, 5)))',
     '_no_hook_left(student, tiny_models()["Llama"], (2, 5, token_ids(16, 5)))'): 'the stop is raised at the final norm, after every layer: a hook for layer 2 instead of 1 is on the model then all the same, and the hint names neither',
    ('lessonkit/checks/_models.py::ablation', '_no_hook_left(student, tiny_models()["Llama"], (1, 5, token_ids(16, 5)))',
     '_no_hook_left(student, tiny_models()["Llama"], (1, 6, token_ids(16, 5)))'): 'the stop is raised at the final norm, after every layer: a hook for neuron 6 instead of 5 is on the model then all the same, and the hint names neither',
    ('lessonkit/checks/_models.py::_compare_recording', 'if getattr(got, "requires_grad", False):',
     'if getattr(got, "requires_grad", None):'): 'None is as falsy as False: an answer without requires_grad reads the same',
    ('lessonkit/checks/_models.py::_ablation_variants', 'with ablate_mlp(model, {layer: [neuron]}, value=0.0):',
     'with ablate_mlp(model, {layer: [neuron]}, ):'): "ablate_mlp's value is 0.0 by default",
    ('lessonkit/checks/_models.py::_ablation_variants', 'with ablate_mlp(model, {layer: list(range(width))}, value=0.0):',
     'with ablate_mlp(model, {layer: list(range(width))}, ):'): "ablate_mlp's value is 0.0 by default",
    ('lessonkit/checks/_models.py::_ablation_variants', 'projection = mlp_site_modules(model, layer, "post")[layer].module',
     'projection = mlp_site_modules(model, None, "post")[layer].module'): 'mlp_site_modules with layers=None gives every layer, indexed by layer: the same module',
    ('lessonkit/checks/_models.py::_ablation_variants', 'return (x, *args[1:])',
     'return (x, *args[2:])'): "the projection's forward takes one positional argument: args[1:] and args[2:] are both empty",
    ('lessonkit/checks/_models.py::ablation', '_no_hook_left(student, tiny_models()["Llama"], (1, 5, token_ids(16, 5)))',
     '_no_hook_left(student, tiny_models()["Llama"], (1, 5, token_ids(17, 5)))'): 'the stop test on another text (17 tokens): the stop at the final norm comes all the same, and the hint names no text',
    ('lessonkit/checks/_models.py::ablation', '_no_hook_left(student, tiny_models()["Llama"], (1, 5, token_ids(16, 5)))',
     '_no_hook_left(student, tiny_models()["Llama"], (1, 5, token_ids(16, 6)))'): 'the stop test on another text (seed 6): the stop at the final norm comes all the same, and the hint names no text',
    ('lessonkit/checks/_beyond.py::_layer', 'y = (rng.random(n_tokens) < 1 / 6).astype(int)',
     'y = (rng.random(n_tokens) <= 1 / 6).astype(int)'): 'the same labels unless a draw is exactly 1/6 (none is)',
    ('lessonkit/checks/_beyond.py::heldout_choice', 'answer = student(*(np.array(part, copy=True) for part in case["data"]))',
     'answer = student(*(np.array(part, copy=None) for part in case["data"]))'): "the case's arrays are not read after the student's call (every reference is computed before): an answer that changes them in place changes nothing",
    ('lessonkit/checks/_beyond.py::heldout_choice', 'answer = student(*(np.array(part, copy=True) for part in case["data"]))',
     'answer = student(*(np.array(part, ) for part in case["data"]))'): 'np.array copies by default',
    ('lessonkit/checks/_beyond.py::heldout_choice', 'answer = student(*(np.array(part, copy=True) for part in case["data"]))',
     'answer = student(*(np.array(part, copy=False) for part in case["data"]))'): "the case's arrays are not read after the student's call (every reference is computed before): an answer that changes them in place changes nothing",
    ('lessonkit/checks/_beyond.py::heldout_choice', 'if abs(score - case["heldout_auroc"]) < 1e-6:',
     'if abs(score - case["heldout_auroc"]) <= 1e-6:'): 'differs only for an AUROC exactly 1e-6 from the reference',
    ('lessonkit/checks/_beyond.py::heldout_choice', 'if abs(score - case["training_auroc"]) < 1e-6:',
     'if abs(score - case["training_auroc"]) <= 1e-6:'): 'differs only for an AUROC exactly 1e-6 from the reference',
    ('lessonkit/checks/_beyond.py::heldout_choice', 'if abs(score - case["balanced_heldout_auroc"]) < 1e-6:',
     'if abs(score - case["balanced_heldout_auroc"]) <= 1e-6:'): 'differs only for an AUROC exactly 1e-6 from the reference',
    ('lessonkit/checks/_models.py::_compare_recording', 'if same(values, ref["after"], rtol=1e-4, atol=1e-5):',
     'if same(values, ref["after"], atol=1e-5):'): "an answer kept after the model's own nonlinearity is the same float32 op on the same output (~1e-7 off): within rtol 1e-6 + atol 1e-5 as within rtol 1e-4",
    ('lessonkit/checks/_models.py::_recording_references', 'with record_mlp(model, layers=layer) as acts, torch.no_grad():',
     'with record_mlp(model, layers=None) as acts, torch.no_grad():'): 'recording every layer gives the same acts[layer]',
    ('lessonkit/checks/_models.py::mlp_hook', 'for n_tokens, seed in ((10, 1), (7, 2)):  # a second call, on another text',
     'for n_tokens, seed in ((10, 2), (7, 2)):  # a second call, on another text'): 'another first text (seed 2): the second call still has another length (what the fresh-storage test reads) and each reference is computed on its own text',
    ('lessonkit/checks/_models.py::mlp_hook', 'for n_tokens, seed in ((10, 1), (7, 2)):  # a second call, on another text',
     'for n_tokens, seed in ((10, 1), (8, 2)):  # a second call, on another text'): 'another second text (8 tokens): the second call still has another length (what the fresh-storage test reads) and each reference is computed on its own text',
    ('lessonkit/checks/_models.py::mlp_hook', 'for n_tokens, seed in ((10, 1), (7, 2)):  # a second call, on another text',
     'for n_tokens, seed in ((10, 1), (7, 3)):  # a second call, on another text'): 'another second text (seed 3): the second call still has another length (what the fresh-storage test reads) and each reference is computed on its own text',
    ('lessonkit/checks/_models.py::token_ids', 'return torch.randint(0, VOCAB, (1, n_tokens), generator=torch.Generator().manual_seed(seed))',
     'return torch.randint(VOCAB, (1, n_tokens), generator=torch.Generator().manual_seed(seed))'): 'randint(high, size) draws from 0 to high: the same ids from the same generator',
    ('lessonkit/checks/_models.py::token_ids', 'return torch.randint(0, VOCAB, (1, n_tokens), generator=torch.Generator().manual_seed(seed))',
     'return torch.randint(1, VOCAB, (1, n_tokens), generator=torch.Generator().manual_seed(seed))'): 'texts without token 0: ' + TINY_MODELS_STILL_TELL,
    ('lessonkit/checks/_models.py::_seeded', 'with torch.random.fork_rng(devices=[]):',
     'with torch.random.fork_rng(devices=None):'): 'devices=None forks the CUDA generators too: they only are saved and restored; the CPU seed and draws are the same',
    ('lessonkit/checks/_models.py::_seeded', 'torch.manual_seed(0)',
     'torch.manual_seed(1)'): 'other seeded weights (seed 1): ' + TINY_MODELS_STILL_TELL,
    ('lessonkit/checks/_models.py::_seeded', 'parameter.add_(0.2 * torch.randn_like(parameter))  # biases and norms matter too',
     'parameter.add_(1.2 * torch.randn_like(parameter))  # biases and norms matter too'): 'other seeded weights (noise 1.2 instead of 0.2): ' + TINY_MODELS_STILL_TELL,
    ('lessonkit/checks/_models.py::tiny_models', 'gpt2 = GPT2Config(vocab_size=VOCAB, n_layer=3, n_embd=32, n_head=4, n_positions=32, bos_token_id=0, eos_token_id=0)',
     'gpt2 = GPT2Config(n_layer=3, n_embd=32, n_head=4, n_positions=32, bos_token_id=0, eos_token_id=0)'): 'another tiny GPT-2 (vocabulary 50257: the token ids stay below 100): ' + TINY_MODELS_STILL_TELL,
    ('lessonkit/checks/_models.py::tiny_models', 'gpt2 = GPT2Config(vocab_size=VOCAB, n_layer=3, n_embd=32, n_head=4, n_positions=32, bos_token_id=0, eos_token_id=0)',
     'gpt2 = GPT2Config(vocab_size=VOCAB, n_layer=4, n_embd=32, n_head=4, n_positions=32, bos_token_id=0, eos_token_id=0)'): 'another tiny GPT-2 (4 layers; layer 1 is checked): ' + TINY_MODELS_STILL_TELL,
    ('lessonkit/checks/_models.py::tiny_models', 'gpt2 = GPT2Config(vocab_size=VOCAB, n_layer=3, n_embd=32, n_head=4, n_positions=32, bos_token_id=0, eos_token_id=0)',
     'gpt2 = GPT2Config(vocab_size=VOCAB, n_layer=3, n_embd=32, n_head=4, n_positions=33, bos_token_id=0, eos_token_id=0)'): 'another tiny GPT-2 (33 positions; texts have at most 16 tokens): ' + TINY_MODELS_STILL_TELL,
    ('lessonkit/checks/_models.py::tiny_models', 'llama = LlamaConfig(vocab_size=VOCAB, hidden_size=32, intermediate_size=48, num_hidden_layers=3,',
     'llama = LlamaConfig(hidden_size=32, intermediate_size=48, num_hidden_layers=3,'): 'another tiny Llama (vocabulary 32000: the token ids stay below 100): ' + TINY_MODELS_STILL_TELL,
    ('lessonkit/checks/_models.py::tiny_models', 'num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64)',
     'num_attention_heads=4, num_key_value_heads=2, )'): 'another tiny Llama (2048 positions; texts have at most 16 tokens): ' + TINY_MODELS_STILL_TELL,
    ('lessonkit/checks/_models.py::tiny_models', 'llama = LlamaConfig(vocab_size=VOCAB, hidden_size=32, intermediate_size=48, num_hidden_layers=3,',
     'llama = LlamaConfig(vocab_size=VOCAB, hidden_size=32, intermediate_size=49, num_hidden_layers=3,'): 'another tiny Llama (49 neurons a layer): ' + TINY_MODELS_STILL_TELL,
    ('lessonkit/checks/_models.py::tiny_models', 'llama = LlamaConfig(vocab_size=VOCAB, hidden_size=32, intermediate_size=48, num_hidden_layers=3,',
     'llama = LlamaConfig(vocab_size=VOCAB, hidden_size=32, intermediate_size=48, num_hidden_layers=4,'): 'another tiny Llama (4 layers; layer 1 is checked): ' + TINY_MODELS_STILL_TELL,
    ('lessonkit/checks/_models.py::tiny_models', 'num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64)',
     'num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=65)'): 'another tiny Llama (65 positions; texts have at most 16 tokens): ' + TINY_MODELS_STILL_TELL,
    # checks: the survivors of the full run of the checks group
    ('lessonkit/checks/__init__.py::_report', 'if os.environ.get(STRICT_VARIABLE, "").strip().lower() in {"1", "true", "yes", "on"}:',
     'if os.environ.get(STRICT_VARIABLE, "XXXX").strip().lower() in {"1", "true", "yes", "on"}:'): UNSET_STRICT,
    ('lessonkit/checks/_beyond.py::_auroc_cases', 'rng = np.random.default_rng(0)',
     'rng = np.random.default_rng(1)'): CASE_CONSTANT,
    ('lessonkit/checks/_beyond.py::_auroc_cases', '(np.array([3.0, 4.0, 1.0, 2.0]), np.array([1, 1, 0, 0])),  # perfect separation',
     '(np.array([4.0, 4.0, 1.0, 2.0]), np.array([1, 1, 0, 0])),  # perfect separation'): CASE_CONSTANT,
    ('lessonkit/checks/_beyond.py::_layer', 'y = (rng.random(n_tokens) < 1 / 6).astype(int)',
     'y = (rng.random(n_tokens) < 1 / 6).astype(None)'): FLOAT_LABELS,
    ('lessonkit/checks/_beyond.py::_auroc_cases', '(np.array([3.0, 4.0, 1.0, 2.0]), np.array([1, 1, 0, 0])),  # perfect separation',
     '(np.array([3.0, 5.0, 1.0, 2.0]), np.array([1, 1, 0, 0])),  # perfect separation'): CASE_CONSTANT,
    ('lessonkit/checks/_beyond.py::_auroc_cases', '(np.array([3.0, 4.0, 1.0, 2.0]), np.array([1, 1, 0, 0])),  # perfect separation',
     '(np.array([3.0, 4.0, 2.0, 2.0]), np.array([1, 1, 0, 0])),  # perfect separation'): CASE_CONSTANT,
    ('lessonkit/checks/_beyond.py::choice_case', 'held_x, held_y = _layer(_HELDOUT_DESIGN, seed=4)',
     'held_x, held_y = _layer(_HELDOUT_DESIGN, seed=5)'): CASE_CONSTANT,
    ('lessonkit/checks/_beyond.py::auroc_one', 'if abs(got - (below + tied / 2)) < 1e-9:',
     'if abs(got - (below + tied / 2)) <= 1e-9:'): EXACTLY_AT_1E9,
    ('lessonkit/checks/_beyond.py::auroc_one', 'if abs(got - above) < 1e-9:',
     'if abs(got - above) <= 1e-9:'): EXACTLY_AT_1E9,
    ('lessonkit/checks/_beyond.py::_auroc_cases', '(np.array([2.0, 1.0, 2.0, 0.5, 3.0]), np.array([1, 1, 0, 0, 0])),  # one tie between the classes',
     '(np.array([2.0, 1.0, 2.0, 1.5, 3.0]), np.array([1, 1, 0, 0, 0])),  # one tie between the classes'): CASE_CONSTANT,
    ('lessonkit/checks/_beyond.py::_auroc_cases', '(np.array([2.0, 1.0, 2.0, 0.5, 3.0]), np.array([1, 1, 0, 0, 0])),  # one tie between the classes',
     '(np.array([2.0, 1.0, 2.0, 0.5, 4.0]), np.array([1, 1, 0, 0, 0])),  # one tie between the classes'): CASE_CONSTANT,
    ('lessonkit/checks/_beyond.py::auroc_one', 'if abs(got - (above + tied)) < 1e-9:',
     'if abs(got - (above + tied)) <= 1e-9:'): EXACTLY_AT_1E9,
    ('lessonkit/checks/_beyond.py::choice_case', 'right = int(np.argmax(np.where(significant & (fit.beta > 0), fit.beta, -np.inf)))',
     'right = int(np.argmax(np.where(significant & (fit.beta >= 0), fit.beta, -np.inf)))'): CHOICE_BETAS,
    ('lessonkit/checks/_beyond.py::_auroc_cases', '(np.array([2.0, 1.0, 2.0, 0.5, 3.0]), np.array([1, 1, 0, 0, 0])),  # one tie between the classes',
     '(np.array([2.0, 1.0, 2.0, 0.5, 3.0]), np.array([1, 1, 0, 1, 0])),  # one tie between the classes'): CASE_CONSTANT,
    ('lessonkit/checks/_beyond.py::choice_case', 'right = int(np.argmax(np.where(significant & (fit.beta > 0), fit.beta, -np.inf)))',
     'right = int(np.argmax(np.where(significant & (fit.beta > 1), fit.beta, -np.inf)))'): CHOICE_BETAS,
    ('lessonkit/checks/_beyond.py::_auroc_cases', '(np.array([2.0, 1.0, 2.0, 0.5, 3.0]), np.array([1, 1, 0, 0, 0])),  # one tie between the classes',
     '(np.array([2.0, 1.0, 2.0, 0.5, 3.0]), np.array([1, 1, 0, 0, 1])),  # one tie between the classes'): CASE_CONSTANT,
    ('lessonkit/checks/_beyond.py::_auroc_cases', 'cases.append((np.round(rng.normal(size=200), 1), (rng.random(200) < 0.3).astype(int)))  # many ties',
     'cases.append((np.round(rng.normal(size=200), ), (rng.random(200) < 0.3).astype(int)))  # many ties'): CASE_CONSTANT,
    ('lessonkit/checks/_beyond.py::_auroc_cases', 'cases.append((np.round(rng.normal(size=200), 1), (rng.random(200) < 0.3).astype(int)))  # many ties',
     'cases.append((np.round(rng.normal(size=200), 2), (rng.random(200) < 0.3).astype(int)))  # many ties'): CASE_CONSTANT,
    ('lessonkit/checks/_beyond.py::_auroc_cases', 'cases.append((np.round(rng.normal(size=200), 1), (rng.random(200) < 0.3).astype(int)))  # many ties',
     'cases.append((np.round(rng.normal(size=200), 1), (rng.random(200) < 0.3).astype(None)))  # many ties'): FLOAT_LABELS,
    ('lessonkit/checks/_beyond.py::choice_case', '(int(np.argmax(np.where(held_significant & (held_fit.beta > 0), held_fit.beta, -np.inf))),',
     '(int(np.argmax(np.where(held_significant & (held_fit.beta >= 0), held_fit.beta, -np.inf))),'): CHOICE_BETAS,
    ('lessonkit/checks/_beyond.py::choice_case', '(int(np.argmax(np.where(held_significant & (held_fit.beta > 0), held_fit.beta, -np.inf))),',
     '(int(np.argmax(np.where(held_significant & (held_fit.beta > 1), held_fit.beta, -np.inf))),'): CHOICE_BETAS,
    ('lessonkit/checks/_models.py::_recording_references', 'site = mlp_site_modules(model, layer)[layer]',
     'site = mlp_site_modules(model, None)[layer]'): EVERY_LAYER_RECORDED,
    ('lessonkit/checks/_models.py::next_token_loss', 'generator = torch.Generator().manual_seed(0)',
     'generator = torch.Generator().manual_seed(1)'): CASE_CONSTANT,
    ('lessonkit/checks/_models.py::next_token_loss', 'for n_tokens, vocab in ((6, 10), (12, 50)):',
     'for n_tokens, vocab in ((7, 10), (12, 50)):'): CASE_CONSTANT,
    ('lessonkit/checks/_models.py::_recording_references', 'site = mlp_site_modules(model, layer)[layer]',
     'site = mlp_site_modules(model, )[layer]'): EVERY_LAYER_RECORDED,
    ('lessonkit/checks/_models.py::next_token_loss', 'for n_tokens, vocab in ((6, 10), (12, 50)):',
     'for n_tokens, vocab in ((6, 11), (12, 50)):'): CASE_CONSTANT,
    ('lessonkit/checks/_models.py::next_token_loss', 'for n_tokens, vocab in ((6, 10), (12, 50)):',
     'for n_tokens, vocab in ((6, 10), (13, 50)):'): CASE_CONSTANT,
    ('lessonkit/checks/_models.py::ablation', 'ids = token_ids(16, 4)',
     'ids = token_ids(17, 4)'): CASE_CONSTANT,
    ('lessonkit/checks/_models.py::_seeded', 'parameter.add_(0.2 * torch.randn_like(parameter))  # biases and norms matter too',
     'parameter.add_(0.2 / torch.randn_like(parameter))  # biases and norms matter too'): 'other seeded weights (0.2 / noise: large, heavy-tailed): ' + TINY_MODELS_STILL_TELL,
    ('lessonkit/checks/_models.py::tiny_models', 'gpt2 = GPT2Config(vocab_size=VOCAB, n_layer=3, n_embd=32, n_head=4, n_positions=32, bos_token_id=0, eos_token_id=0)',
     'gpt2 = GPT2Config(vocab_size=VOCAB, n_layer=3, n_embd=32, n_head=4, n_positions=32, bos_token_id=None, eos_token_id=0)'): SPECIAL_TOKENS,
    ('lessonkit/checks/_models.py::next_token_loss', 'for n_tokens, vocab in ((6, 10), (12, 50)):',
     'for n_tokens, vocab in ((6, 10), (12, 51)):'): CASE_CONSTANT,
    ('lessonkit/checks/_models.py::ablation', 'ids = token_ids(16, 4)',
     'ids = token_ids(16, 5)'): CASE_CONSTANT,
    ('lessonkit/checks/_models.py::tiny_models', 'gpt2 = GPT2Config(vocab_size=VOCAB, n_layer=3, n_embd=32, n_head=4, n_positions=32, bos_token_id=0, eos_token_id=0)',
     'gpt2 = GPT2Config(vocab_size=VOCAB, n_layer=3, n_embd=32, n_head=4, n_positions=32, bos_token_id=0, eos_token_id=None)'): SPECIAL_TOKENS,
    ('lessonkit/checks/_models.py::next_token_loss', 'logits = 3 * torch.randn(n_tokens, vocab, generator=generator)',
     'logits = 3 / torch.randn(n_tokens, vocab, generator=generator)'): CASE_CONSTANT,
    ('lessonkit/checks/_models.py::tiny_models', 'gpt2 = GPT2Config(vocab_size=VOCAB, n_layer=3, n_embd=32, n_head=4, n_positions=32, bos_token_id=0, eos_token_id=0)',
     'gpt2 = GPT2Config(vocab_size=VOCAB, n_embd=32, n_head=4, n_positions=32, bos_token_id=0, eos_token_id=0)'): OTHER_TINY_ARCHITECTURE,
    ('lessonkit/checks/_models.py::next_token_loss', 'logits = 3 * torch.randn(n_tokens, vocab, generator=generator)',
     'logits = 4 * torch.randn(n_tokens, vocab, generator=generator)'): CASE_CONSTANT,
    ('lessonkit/checks/_models.py::tiny_models', 'gpt2 = GPT2Config(vocab_size=VOCAB, n_layer=3, n_embd=32, n_head=4, n_positions=32, bos_token_id=0, eos_token_id=0)',
     'gpt2 = GPT2Config(vocab_size=VOCAB, n_layer=3, n_embd=32, n_head=4, n_positions=32, eos_token_id=0)'): SPECIAL_TOKENS,
    ('lessonkit/checks/_models.py::tiny_models', 'gpt2 = GPT2Config(vocab_size=VOCAB, n_layer=3, n_embd=32, n_head=4, n_positions=32, bos_token_id=0, eos_token_id=0)',
     'gpt2 = GPT2Config(vocab_size=VOCAB, n_layer=3, n_embd=32, n_head=4, n_positions=32, bos_token_id=0, )'): SPECIAL_TOKENS,
    ('lessonkit/checks/_models.py::_recording_references', 'with record_mlp(model, layers=layer) as acts, torch.no_grad():',
     'with record_mlp(model, ) as acts, torch.no_grad():'): EVERY_LAYER_RECORDED,
    ('lessonkit/checks/_models.py::tiny_models', 'gpt2 = GPT2Config(vocab_size=VOCAB, n_layer=3, n_embd=32, n_head=4, n_positions=32, bos_token_id=0, eos_token_id=0)',
     'gpt2 = GPT2Config(vocab_size=VOCAB, n_layer=3, n_embd=32, n_head=4, n_positions=32, bos_token_id=1, eos_token_id=0)'): SPECIAL_TOKENS,
    ('lessonkit/checks/_models.py::tiny_models', 'gpt2 = GPT2Config(vocab_size=VOCAB, n_layer=3, n_embd=32, n_head=4, n_positions=32, bos_token_id=0, eos_token_id=0)',
     'gpt2 = GPT2Config(vocab_size=VOCAB, n_layer=3, n_embd=32, n_head=4, n_positions=32, bos_token_id=0, eos_token_id=1)'): SPECIAL_TOKENS,
    ('lessonkit/checks/_models.py::next_token_loss', 'ids = torch.randint(0, vocab, (n_tokens,), generator=generator)',
     'ids = torch.randint(1, vocab, (n_tokens,), generator=generator)'): CASE_CONSTANT,
    ('lessonkit/checks/_models.py::tiny_models', 'num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64)',
     'num_attention_heads=4, num_key_value_heads=None, max_position_embeddings=64)'): OTHER_TINY_ARCHITECTURE,
    ('lessonkit/checks/_models.py::_compare_recording', 'if values.reshape(-1, values.shape[-1]).shape == ref["input"].shape and same(values.reshape(ref["input"].shape), ref["input"], atol=1e-5):',
     'if values.reshape(-2, values.shape[-1]).shape == ref["input"].shape and same(values.reshape(ref["input"].shape), ref["input"], atol=1e-5):'): NEGATIVE_SIZE,
    ('lessonkit/checks/_models.py::tiny_models', 'llama = LlamaConfig(vocab_size=VOCAB, hidden_size=32, intermediate_size=48, num_hidden_layers=3,',
     'llama = LlamaConfig(vocab_size=VOCAB, hidden_size=32, num_hidden_layers=3,'): OTHER_TINY_ARCHITECTURE,
    ('lessonkit/checks/_models.py::tiny_models', 'llama = LlamaConfig(vocab_size=VOCAB, hidden_size=32, intermediate_size=48, num_hidden_layers=3, / num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64)',
     'llama = LlamaConfig(vocab_size=VOCAB, hidden_size=32, intermediate_size=48, num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64)'): OTHER_TINY_ARCHITECTURE,
    ('lessonkit/checks/_models.py::tiny_models', 'num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64)',
     'num_key_value_heads=2, max_position_embeddings=64)'): OTHER_TINY_ARCHITECTURE,
    ('lessonkit/checks/_models.py::tiny_models', 'num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64)',
     'num_attention_heads=4, max_position_embeddings=64)'): OTHER_TINY_ARCHITECTURE,
    ('lessonkit/checks/_models.py::next_token_loss', 'got = numbers(student(logits.clone(), ids.clone()), f"{n_tokens} tokens").reshape(-1)',
     'got = numbers(student(logits.clone(), ids.clone()), f"{n_tokens} tokens").reshape(-2)'): NEGATIVE_SIZE,
    ('lessonkit/checks/_models.py::_compare_recording', 'if values.reshape(-1, values.shape[-1]).shape == ref["input"].shape and same(values.reshape(ref["input"].shape), ref["input"], atol=1e-5):',
     'if values.reshape(-1, values.shape[-1]).shape == ref["input"].shape and same(values.reshape(ref["input"].shape), ref["input"], ):'): INPUT_HINT_ONLY,
    ('lessonkit/checks/_models.py::_recording_references', 'neurons = acts[layer].reshape(-1, acts[layer].shape[-1])',
     'neurons = acts[layer].reshape(-1, acts[layer].shape[+1])'): 'record_mlp keeps [tokens, neurons] for one text (2-D): shape[+1] is shape[-1]',
    ('lessonkit/checks/_models.py::_compare_recording', 'if values.reshape(-1, values.shape[-1]).shape == ref["input"].shape and same(values.reshape(ref["input"].shape), ref["input"], atol=1e-5):',
     'if values.reshape(-1, values.shape[-1]).shape == ref["input"].shape and same(values.reshape(ref["input"].shape), ref["input"], atol=1.00001):'): INPUT_HINT_ONLY,
    ('lessonkit/checks/_models.py::mlp_hook', '_no_hook_left(student, tiny_models()["GPT-2"], (1, token_ids(10, 3)))',
     '_no_hook_left(student, tiny_models()["GPT-2"], (2, token_ids(10, 3)))'): HOOK_RUNS,
    ('lessonkit/checks/_models.py::_compare_recording', 'if same(values, ref["after"], rtol=1e-4, atol=1e-5):',
     'if same(values, ref["after"], rtol=1e-4, ):'): SAME_RECORDING,
    ('lessonkit/checks/_models.py::mlp_hook', '_no_hook_left(student, tiny_models()["GPT-2"], (1, token_ids(10, 3)))',
     '_no_hook_left(student, tiny_models()["GPT-2"], (1, token_ids(11, 3)))'): HOOK_RUNS,
    ('lessonkit/checks/_models.py::mlp_hook', '_no_hook_left(student, tiny_models()["GPT-2"], (1, token_ids(10, 3)))',
     '_no_hook_left(student, tiny_models()["GPT-2"], (1, token_ids(10, 4)))'): HOOK_RUNS,
    ('lessonkit/checks/_models.py::next_token_loss', 'if same(got, right, rtol=1e-4, atol=1e-5):',
     'if same(got, right, atol=1e-5):'): RIGHT_LOSSES,
    ('lessonkit/checks/_models.py::next_token_loss', 'if same(got, right, rtol=1e-4, atol=1e-5):',
     'if same(got, right, rtol=1e-4, ):'): RIGHT_LOSSES,
    ('lessonkit/checks/_models.py::_compare_recording', 'if same(values, ref["after"], rtol=1e-4, atol=1e-5):',
     'if same(values, ref["after"], rtol=1.0001, atol=1e-5):'): AFTER_STAYS_APART,
    ('lessonkit/checks/_models.py::_compare_recording', 'if same(values, ref["after"], rtol=1e-4, atol=1e-5):',
     'if same(values, ref["after"], rtol=1e-4, atol=1.00001):'): AFTER_STAYS_APART,
    ('lessonkit/checks/_models.py::_compare_recording', 'if not same(values, ref["neurons"], rtol=1e-4, atol=1e-5):',
     'if not same(values, ref["neurons"], atol=1e-5):'): SAME_RECORDING,
    ('lessonkit/checks/_models.py::_compare_recording', 'if not same(values, ref["neurons"], rtol=1e-4, atol=1e-5):',
     'if not same(values, ref["neurons"], rtol=1e-4, ):'): SAME_RECORDING,
    ('lessonkit/checks/_beyond.py::_auroc_cases', '(np.array([3.0, 4.0, 1.0, 2.0]), np.array([1, 1, 0, 0])),  # perfect separation',
     '(np.array([3.0, 4.0, 1.0, 3.0]), np.array([1, 1, 0, 0])),  # perfect separation'): TIE_MOVED,
    ('lessonkit/checks/_beyond.py::_auroc_cases', '(np.array([1.0, 2.0, 3.0, 4.0]), np.array([1, 1, 0, 0])),  # proper nouns lowest',
     '(np.array([1.0, 3.0, 3.0, 4.0]), np.array([1, 1, 0, 0])),  # proper nouns lowest'): TIE_MOVED,
    ('lessonkit/checks/_beyond.py::_auroc_cases', '(np.array([1.0, 1.0, 1.0, 1.0]), np.array([1, 0, 1, 0])),  # all tied',
     '(np.array([2.0, 1.0, 1.0, 1.0]), np.array([1, 0, 1, 0])),  # all tied'): TIE_MOVED,
    ('lessonkit/checks/_beyond.py::_auroc_cases', '(np.array([1.0, 1.0, 1.0, 1.0]), np.array([1, 0, 1, 0])),  # all tied',
     '(np.array([1.0, 2.0, 1.0, 1.0]), np.array([1, 0, 1, 0])),  # all tied'): TIE_MOVED,
    ('lessonkit/checks/_beyond.py::_auroc_cases', '(np.array([1.0, 1.0, 1.0, 1.0]), np.array([1, 0, 1, 0])),  # all tied',
     '(np.array([1.0, 1.0, 2.0, 1.0]), np.array([1, 0, 1, 0])),  # all tied'): TIE_MOVED,
    ('lessonkit/checks/_beyond.py::_auroc_cases', '(np.array([1.0, 1.0, 1.0, 1.0]), np.array([1, 0, 1, 0])),  # all tied',
     '(np.array([1.0, 1.0, 1.0, 2.0]), np.array([1, 0, 1, 0])),  # all tied'): TIE_MOVED,
    ('lessonkit/checks/_beyond.py::_auroc_cases', '(np.array([1.0, 1.0, 1.0, 1.0]), np.array([1, 0, 1, 0])),  # all tied',
     '(np.array([1.0, 1.0, 1.0, 1.0]), np.array([1, 1, 1, 0])),  # all tied'): TIE_MOVED,
}

PYTEST_ARGS = ("-p", "no:cacheprovider", "-m", "not slow and not browser")
MESSAGE_LINES = (  # lines of prose: an error message, a hint, a warning, or their continuation lines
    r"^\s*raise \w+\(",
    r"^\s*(fail|warnings\.warn)\(",
    r"""^\s*(rf|fr|f|r)?("[^"]*"|'[^']*')\s*[),]*\s*(#.*)?$""",
)
DETECTED = {"killed", "timeout", "segfault"}


# ------------------------------------------------------------------------------------------ running


def groups(selected: list[str]) -> dict[Tests, list[str]]:
    """The modules to mutate, grouped by the tests they run (one mutmut run each)."""
    unknown = set(selected) - set(TARGETS)
    if unknown:
        raise SystemExit(f"not in TARGETS: {sorted(unknown)}; known: {sorted(TARGETS)}")
    wanted = {tests for module, tests in TARGETS.items() if not selected or module in selected}
    grouped: dict[Tests, list[str]] = {}
    for module, tests in TARGETS.items():  # in the order of TARGETS
        if tests in wanted:
            grouped.setdefault(tests, []).append(module)
    return grouped


def toml_list(values) -> str:
    return "[" + ", ".join(json.dumps(v) for v in values) + "]"


def prepare(folder: Path, modules: list[str], tests: Tests) -> None:
    """A scratch copy of the package and the tests, with mutmut's settings for this group."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.nbi", "*.nbc")
    packages = sorted({Path(m).parts[0] for m in modules})
    for name in (*packages, "tests"):
        shutil.copytree(ROOT / name, folder / name, ignore=ignore)
    settings = f"""
[tool.mutmut]
source_paths = {toml_list(packages)}
only_mutate = {toml_list(modules)}
pytest_add_cli_args_test_selection = {toml_list(tests.args)}
pytest_add_cli_args = {toml_list(PYTEST_ARGS)}
do_not_mutate_patterns = {toml_list(MESSAGE_LINES)}
process_isolation = "forkserver"
use_git_change_detection = false
"""
    (folder / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text() + settings)


def run_group(folder: Path, tests: Tests, max_children: int) -> None:
    env = {**os.environ, **dict(tests.env), "PYTHONDONTWRITEBYTECODE": "1"}
    command = [sys.executable, str(Path(__file__).resolve()), "--mutmut", "run", "--max-children", str(max_children)]
    with open(folder / "mutmut.log", "w") as log:
        done = subprocess.run(command, cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT)
    if done.returncode != 0:
        tail = (folder / "mutmut.log").read_text(errors="replace")[-3000:]
        raise SystemExit(f"mutmut failed in {folder} (exit {done.returncode}):\n{tail}")


def mutmut_without_prose(args: list[str]) -> None:
    """mutmut's command line, its string mutations limited to strings without whitespace (not prose),
    and each mutant's tests run fastest first (as mutmut's fork runner does; its fork server does not):
    a mutant that a quick test kills costs that test only."""
    import libcst as cst
    from mutmut.mutation import mutators
    from mutmut.state import state
    from mutmut.workers.isolation import ForkServerRunner

    submit = ForkServerRunner.submit

    def fastest_first(self, mutant_name, tests, *rest):
        durations = state().duration_by_test
        return submit(self, mutant_name, sorted(tests, key=lambda test: durations.get(test, 0.0)), *rest)

    ForkServerRunner.submit = fastest_first

    def code_strings_only(node):
        if isinstance(node, cst.SimpleString) and any(ch.isspace() for ch in str(node.evaluated_value)):
            return
        yield from mutators.operator_string(node)

    operators = mutators.mutation_operators
    (at,) = [k for k, (_, operator) in enumerate(operators) if operator is mutators.operator_string]
    operators[at] = (operators[at][0], code_strings_only)  # the list mutmut's mutation visitor reads
    from mutmut.__main__ import cli

    cli(args)


# ------------------------------------------------------------------------------------------ reading


def folder_of(modules: list[str]) -> Path:
    return WORK / Path(modules[0]).stem.lstrip("_")


def statuses(folder: Path, module: str) -> dict[str, str]:
    """mutant name -> mutmut's status (killed, survived, no tests, timeout, ...) for one module."""
    from mutmut.stats import status_by_exit_code

    meta = json.loads((folder / "mutants" / (module + ".meta")).read_text())
    return {name: status_by_exit_code[code] for name, code in meta["exit_code_by_key"].items()}


def changed_lines(folder: Path, module: str, name: str) -> list[str]:
    """The mutant's diff: the lines it removes (-) and adds (+)."""
    from mutmut.mutation.diff_apply import get_diff_for_mutant

    here = Path.cwd()
    os.chdir(folder)
    try:
        text = get_diff_for_mutant(name, path=module)
    finally:
        os.chdir(here)
    return [line for line in text.splitlines() if line[:1] in "+-" and not line.startswith(("+++", "---"))]


# a string literal with whitespace in it: prose (the words of a message), as MESSAGE_LINES' strings
PROSE = re.compile(r"""(?:rf|fr|f|r)?("[^"]*\s[^"]*"|'[^']*\s[^']*')""")
PROSE_TO_NONE = "only a message's words change: prose passed on (what a hint calls the answer) is None instead"


def why_explained(module: str, name: str, lines: list[str]) -> str | None:
    function = name.rpartition(".")[2].partition("__mutmut_")[0].removeprefix("x_").split("ǁ")[-1]
    removed, added = (" / ".join(line[1:].strip() for line in lines if line[0] == sign) for sign in "-+")
    if any(removed[: m.start()] + "None" + removed[m.end() :] == added for m in PROSE.finditer(removed)):
        return PROSE_TO_NONE  # prose is not mutated (see the module's docstring): nor is it set to None
    return EXPLAINED.get((f"{module}::{function}", removed, added))


def report(results: dict[str, tuple[Path, dict[str, str]]], seconds: float) -> str:
    rows, explanations, survivors = [], [], []
    killed_all = explained_all = every = 0
    for module, (folder, status) in results.items():
        killed = sum(s in DETECTED for s in status.values())
        explained = 0
        for name, state in sorted(status.items(), key=lambda item: int(item[0].rpartition("_")[2])):
            if state in DETECTED:
                continue
            lines = changed_lines(folder, module, name)
            reason = why_explained(module, name, lines)
            if reason:
                explained += 1
                change = " / ".join(line[1:].strip() for line in lines if line[:1] == "+")
                explanations.append(f"  {module}: {change}\n      {reason}")
            else:
                survivors.append("\n".join([f"--- {name} ({state})", *lines]))
        survived = len(status) - killed - explained
        rows.append(f"{module:34} {killed:7d} {len(status):6d} {killed / max(len(status), 1):7.1%} {explained:10d} {survived:9d}")
        killed_all, explained_all, every = killed_all + killed, explained_all + explained, every + len(status)
    survived_all = every - killed_all - explained_all
    return "\n".join([
        f"{'module':34} {'killed':>7} {'of':>6} {'score':>7} {'explained':>10} {'survived':>9}", *rows,
        f"{'all':34} {killed_all:7d} {every:6d} {killed_all / max(every, 1):7.1%} {explained_all:10d} {survived_all:9d}",
        f"score without the explained survivors: {killed_all / max(every - explained_all, 1):.1%}",
        f"run time: {seconds / 60:.0f} min", "",
        f"Explained survivors ({explained_all}): equivalent, speed-only, GPU-only, or as right as the code "
        "(EXPLAINED in tests/mutation.py)", *explanations, "",
        f"Survivors ({survived_all}): a test could catch these", *survivors])


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--mutmut"]:  # run_group's own call, inside a group's folder
        mutmut_without_prose(argv[1:])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", help="modules to mutate (default: every module in TARGETS)")
    parser.add_argument("--max-children", type=int, default=os.cpu_count() or 1, help="mutants tested side by side")
    parser.add_argument("--report", action="store_true", help="only print the report of the last runs")
    args = parser.parse_args(argv)
    results, seconds = {}, 0.0
    for tests, modules in groups(args.modules).items():
        folder = folder_of(modules)
        if not args.report:
            print(f"mutating {', '.join(modules)}  (tests: {' '.join(tests.args)}{'; ' + tests.why if tests.why else ''})", flush=True)
            prepare(folder, modules, tests)
            start = time.monotonic()
            run_group(folder, tests, args.max_children)
            (folder / "seconds").write_text(f"{time.monotonic() - start:.0f}")
            print(f"  done in {(time.monotonic() - start) / 60:.0f} min", flush=True)
        if not (folder / "seconds").exists():
            print(f"  no finished run in {folder}: make mutants MUTANTS='{' '.join(modules)}'")
            continue
        seconds += float((folder / "seconds").read_text())
        results.update({module: (folder, statuses(folder, module)) for module in modules})
    text = report({m: results[m] for m in TARGETS if m in results}, seconds)
    (WORK / "report.txt").write_text(text)
    print(text)
    print(f"(also in {WORK / 'report.txt'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
