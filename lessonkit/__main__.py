"""``python -m lessonkit doctor``: what this machine has for the lecture, before class starts.

Also ``scan`` (a neuron atlas, :mod:`lessonkit.atlas`) and ``grade`` (a class's exercise notebooks,
:mod:`lessonkit.grading`).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import platform
import sys

PACKAGES = ("lessonkit", "torch", "transformers", "datasets", "statsmodels", "numpy", "numba", "matplotlib",
            "ipywidgets", "jupyterlab", "tqdm", "gguf", "accelerate", "nbval")


def version_of(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def statistics_path() -> str:
    """Which path fit_logit / auroc / scan_layers take here, and how to change it."""
    from ._stats_paths import BACKEND_ENV, STATS_BACKENDS, numba_problem
    from .regression import stats_backend

    switch = f"{BACKEND_ENV}={os.environ.get(BACKEND_ENV) or 'auto'}"
    try:
        path = stats_backend()
    except (ValueError, ImportError, RuntimeError) as error:
        return f"ERROR: {error} ({switch})"
    hint = "; pip install 'lessonkit[fast]' for the numba kernel" if path == "torch" and numba_problem() else ""
    return f"{path}: {STATS_BACKENDS[path]} ({switch}{hint})"


def doctor() -> int:
    """Print versions, device, and which model and text sources the lecture will use."""
    from .assets import cache_dir
    from .models import OFFLINE_MODEL, default_model_name, hub_reachable, is_offline, pick_device
    from .text import BUNDLED_CORPUS, WIKITEXT_ENV, cached_wikitext, wikitext_source

    print(f"python       {platform.python_version()} ({sys.executable})")
    for package in PACKAGES:
        print(f"{package:<12} {version_of(package)}")
    print(f"device       {pick_device()}")
    print(f"statistics   {statistics_path()}")
    print()
    hub = hub_reachable()
    print(f"LESSONKIT_OFFLINE  {'on' if is_offline() else 'off'}")
    print(f"Hugging Face Hub   {'reachable' if hub else 'NOT reachable'}")
    default = default_model_name()
    if not hub and default not in (OFFLINE_MODEL,) and not default.endswith("-random"):
        default += f" -> falls back to {OFFLINE_MODEL} unless cached locally"
    print(f"default model      {default}")
    cache = cache_dir()
    from ._stand_ins import smollm2_folder

    converted = (smollm2_folder() / "config.json").exists()
    print(f"cache folder       {cache}")
    print(f"smollm2-135m       {'converted, loads in ~1 s' if converted else 'not yet converted (first load: download + ~30 s)'}")
    print(f"gpt2 tokenizer     {'cached' if (cache / 'gpt2-tokenizer' / 'vocab.json').exists() else 'not yet downloaded'}")
    source = wikitext_source()
    where = {"file": os.environ.get(WIKITEXT_ENV), "cache": f"cached copy {cached_wikitext()}",
             "hub": "datasets, from the Hub",
             "bundled": f"bundled corpus {BUNDLED_CORPUS} (FALLBACK)"}[source]
    print(f"text source        {where}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lessonkit", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("doctor", help="versions, device, model and text sources")
    add = commands.add_parser("add-wikitext", help="put the WikiText-2 raw test rows (JSON lines) into the cache")
    add.add_argument("file", help="the rows, as datasets yields them: one {\"text\": ...} per line")
    from . import _atlas_cli, _grading_cli

    _atlas_cli.add_arguments(commands.add_parser("scan", help="a neuron atlas of a model over a corpus (HTML, CSV, figures)"))
    grade = commands.add_parser("grade", help="run a class's exercise notebooks and grade their checks (CSV, HTML)")
    _grading_cli.add_arguments(grade)
    args, unknown = parser.parse_known_args(argv)
    if unknown:  # the grader says it in its own one line; the others as argparse does
        (grade.error if args.command == "grade" else parser.error)(f"unrecognized arguments: {' '.join(unknown)}")
    if args.command == "doctor":
        return doctor()
    if args.command == "scan":
        return _atlas_cli.run(args)
    if args.command == "grade":
        return _grading_cli.run(args)
    if args.command == "add-wikitext":
        from .text import add_wikitext

        print(f"WikiText-2 test rows cached at {add_wikitext(args.file)}")
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
