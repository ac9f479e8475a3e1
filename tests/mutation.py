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
    python tests/mutation.py lessonkit/probes.py  # one module (and those sharing its tests)
"""

from __future__ import annotations

import argparse
import json
import os
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
REGRESSION = Tests(("tests/test_regression.py", "tests/test_stats_paths.py"))
# numba cannot compile mutmut's trampolines: the kernels run as plain Python (same arithmetic, slower)
NUMBA = Tests(("tests/test_regression.py", "tests/test_stats_paths.py", "-k", "numba or readable or every_path"),
              env=(("NUMBA_DISABLE_JIT", "1"),), why="kernels run as Python (NUMBA_DISABLE_JIT=1)")  # fmt: skip
HEATMAP = Tests(("tests/test_heatmap.py",))
HOOKS = Tests(("tests/test_hooks.py",))
ABLATION = Tests(("tests/test_ablation.py",))
UNCERTAINTY = Tests(("tests/test_controls.py",))
PROBES = Tests(("tests/test_readout_probes_page.py",))
ATLAS_STATE = Tests(("tests/test_atlas.py",))
CHECKS = Tests(("tests/test_checks.py",))

TARGETS: dict[str, Tests] = {
    "lessonkit/tagging.py": TAGGING,
    "lessonkit/_tagging_fast.py": TAGGING,
    "lessonkit/word_rule.py": TAGGING,
    "lessonkit/regression.py": REGRESSION,
    "lessonkit/_stats_paths.py": REGRESSION,
    "lessonkit/_logit_torch.py": REGRESSION,
    "lessonkit/_logit_numba.py": NUMBA,
    "lessonkit/heatmap.py": HEATMAP,
    "lessonkit/hooks.py": HOOKS,
    "lessonkit/_mlp_sites.py": HOOKS,
    "lessonkit/ablation.py": ABLATION,
    "lessonkit/uncertainty.py": UNCERTAINTY,
    "lessonkit/probes.py": PROBES,
    "lessonkit/_atlas_state.py": ATLAS_STATE,
    "lessonkit/checks.py": CHECKS,
    "lessonkit/_check_tools.py": CHECKS,
    "lessonkit/_checks_lecture.py": CHECKS,
    "lessonkit/_checks_beyond.py": CHECKS,
    "lessonkit/_checks_models.py": CHECKS,
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
    """mutmut's command line, its string mutations limited to strings without whitespace (not prose)."""
    import libcst as cst
    from mutmut.mutation import mutators

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


def statuses(folder: Path, module: str) -> dict[str, str]:
    """mutant name -> mutmut's status (killed, survived, no tests, timeout, ...) for one module."""
    from mutmut.stats import status_by_exit_code

    meta = json.loads((folder / "mutants" / (module + ".meta")).read_text())
    return {name: status_by_exit_code[code] for name, code in meta["exit_code_by_key"].items()}


def diff(folder: Path, name: str) -> str:
    mutmut = Path(sys.executable).with_name("mutmut")
    shown = subprocess.run([str(mutmut), "show", name], cwd=folder, capture_output=True, text=True)
    lines = shown.stdout.splitlines()
    return "\n".join(line for line in lines if line.startswith(("+", "-", "@@")) and not line.startswith(("+++", "---")))


def report(results: dict[str, tuple[Path, dict[str, str]]], seconds: float) -> str:
    lines = [f"{'module':34} {'killed':>7} {'of':>5} {'score':>7}   not killed"]
    total_detected = total = 0
    survivors = []
    for module, (folder, status) in results.items():
        detected = sum(s in DETECTED for s in status.values())
        missed = {s for s in status.values() if s not in DETECTED}
        counts = ", ".join(f"{sum(v == s for v in status.values())} {s}" for s in sorted(missed))
        score = detected / len(status) if status else 1.0
        lines.append(f"{module:34} {detected:7d} {len(status):5d} {score:7.1%}   {counts}")
        total_detected, total = total_detected + detected, total + len(status)
        survivors += [(folder, name, s) for name, s in sorted(status.items()) if s not in DETECTED]
    lines.append(f"{'all':34} {total_detected:7d} {total:5d} {total_detected / max(total, 1):7.1%}")
    lines.append(f"run time: {seconds / 60:.1f} min")
    lines.append("")
    for folder, name, status in survivors:
        lines += [f"--- {name} ({status})", diff(folder, name), ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--mutmut"]:  # run_group's own call, inside a group's folder
        mutmut_without_prose(argv[1:])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", help="modules to mutate (default: every module in TARGETS)")
    parser.add_argument("--max-children", type=int, default=os.cpu_count() or 1, help="mutants tested side by side")
    args = parser.parse_args(argv)
    start = time.monotonic()
    results = {}
    for tests, modules in groups(args.modules).items():
        folder = WORK / Path(modules[0]).stem.lstrip("_")
        print(f"mutating {', '.join(modules)}  (tests: {' '.join(tests.args)}{'; ' + tests.why if tests.why else ''})", flush=True)
        prepare(folder, modules, tests)
        group_start = time.monotonic()
        run_group(folder, tests, args.max_children)
        print(f"  done in {(time.monotonic() - group_start) / 60:.1f} min", flush=True)
        for module in modules:
            results[module] = (folder, statuses(folder, module))
    text = report({m: results[m] for m in TARGETS if m in results}, time.monotonic() - start)
    (WORK / "report.txt").write_text(text)
    print(text)
    print(f"(also in {WORK / 'report.txt'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
