"""``python -m lessonkit scan``: the command line of the neuron atlas (see :mod:`lessonkit.atlas`).

Bad input ends with one line on stderr and exit status 2, before any model is loaded where possible.
This module imports nothing heavy, so ``python -m lessonkit doctor`` stays quick.
"""

from __future__ import annotations

import argparse
import os
import sys

DEFAULTS_NOTE = "defaults: the lecture's text, rule and site; 1,024-token passes; every 5th pass held out"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The scan's options (values are checked by :func:`run`, so that errors are one line)."""
    parser.description = "A neuron atlas: every chosen neuron over a whole text -> HTML report, CSV, figures (" + DEFAULTS_NOTE + ")."
    add = parser.add_argument
    add("--model", metavar="NAME", default=None, help="a name load_model takes: smollm2-135m, gpt2-medium, gpt2-medium-random, a Hub id (default: lessonkit's default model)")
    add("--text", metavar="TEXT", default="lecture", help="'lecture' (the lecture's WikiText selection), 'wikitext' (the whole test split), a .jsonl file of {\"text\": ...} rows, a text file, or a Hugging Face dataset NAME[:CONFIG[:SPLIT]] (online; split train unless given)")
    add("--layers", metavar="LIST", default="all", help="'all', or layers and ranges such as 18 or 0-5,18 (default all)")
    add("--rule", metavar="RULE", default="lecture", help="the proper-noun rule: lecture, word or spacy (default lecture)")
    add("--site", metavar="SITE", default="pre", help="'pre' (first linear output, the lecture's neuron) or 'post' (after the nonlinearity)")
    add("--max-tokens", metavar="N", default=None, help="stop after this many tokens (default: the whole text)")
    add("--out", metavar="FOLDER", default="atlas", help="the report's folder (default ./atlas); atlas.json in it marks a complete report")
    add("--device", metavar="DEVICE", default=None, help="cpu, cuda, cuda:1, mps (default: the GPU if there is one; under torchrun cuda:LOCAL_RANK)")
    add("--resume", action="store_true", help="continue the interrupted scan in --out from its checkpoint")
    add("--overwrite", action="store_true", help="replace the report or interrupted scan in --out")
    add("--heldout-share", metavar="SHARE", default="0.2", help="share of the passes held out for the held-out AUROC (default 0.2: every 5th)")
    add("--top", metavar="N", default="20", help="neurons with a page, per ranking (default 20)")
    add("--sample", metavar="N", default="1000", help="reservoir tokens per class and split, for the regression and AUROCs (default 1000)")
    add("--contexts", metavar="N", default="10", help="top contexts kept per neuron (default 10)")
    add("--pass-tokens", metavar="N", default="1024", help="tokens per forward pass (default 1024, the lecture's)")
    add("--batch", metavar="N", default="1", help="passes per forward call; more is faster on a GPU (default 1)")
    add("--checkpoint-every", metavar="N", default="20", help="save a checkpoint every this many passes (default 20)")
    add("--seed", metavar="N", default="0", help="seed of the reservoir sample (default 0)")
    add("--no-progress", action="store_true", help="no progress bar")


def _number(args: argparse.Namespace, name: str, kind: type) -> int | float | None:
    text = getattr(args, name)
    if text is None:
        return None
    try:
        return kind(text)
    except ValueError:
        raise _Bad(f"--{name.replace('_', '-')} must be {'an integer' if kind is int else 'a number'}, got {text!r}") from None


class _Bad(Exception):
    pass


def run(args: argparse.Namespace) -> int:
    """Check the arguments, load the model, scan; 0 on success, 2 on bad input (one line on stderr)."""
    try:
        return _run(args)
    except _Bad as error:
        return _fail(str(error))
    except KeyboardInterrupt:
        print(f"lessonkit scan: interrupted; continue with --resume --out {args.out}", file=sys.stderr)
        return 130


def _fail(message: str) -> int:
    print(f"lessonkit scan: error: {message}", file=sys.stderr)
    return 2


def _run(args: argparse.Namespace) -> int:
    from types import SimpleNamespace

    from .io import ScanInputError, check_output, check_settings, check_text, parse_layers

    numbers = {name: _number(args, name, int) for name in ("max_tokens", "top", "sample", "contexts", "pass_tokens", "batch", "checkpoint_every", "seed")}
    share = _number(args, "heldout_share", float)
    settings = dict(model_name=args.model, text=args.text, layers=args.layers, rule=args.rule, site=args.site,
                    heldout_share=share, **numbers)  # fmt: skip
    try:  # first what can be checked without torch or a model, then the model and its layers
        check_settings(SimpleNamespace(**settings))
        parse_layers(args.layers, 10**6)  # the syntax now, the range once the model is known
        check_text(args.text)
        check_output(args.out, resume=args.resume, overwrite=args.overwrite)
        model, tokenizer = _load(args.model, args.device)
        layers = parse_layers(args.layers, _layers_of(model))
        _say_memory(model, layers, settings)
    except (ScanInputError, ValueError) as error:
        return _fail(str(error).splitlines()[0])
    try:
        from .scan import scan_atlas

        folder = scan_atlas(model, tokenizer, args.out, resume=args.resume, overwrite=args.overwrite,
                            progress=not args.no_progress, **settings)  # fmt: skip
    except ScanInputError as error:
        return _fail(str(error))
    if folder is not None:
        print(f"atlas written: {folder / 'index.html'}")
    return 0


def _load(name: str | None, device: str | None):
    from .io import ScanInputError
    from ..models import load_model

    local_rank = os.environ.get("LOCAL_RANK")
    if local_rank is not None and int(os.environ.get("WORLD_SIZE", "1")) > 1:
        import torch

        if (device in (None, "cuda")) and torch.cuda.is_available():
            device = f"cuda:{local_rank}"  # one GPU per process
    try:
        return load_model(name, device=device)
    except (RuntimeError, OSError) as error:  # an id the Hub does not know, or no network
        raise ScanInputError(f"--model {name}: {str(error).splitlines()[0]}") from None


def _say_memory(model, layers: list[int], settings: dict) -> None:
    """One line before a long run: how much memory the per-neuron state takes (it never grows)."""
    from .state import AtlasState
    from ..models import mlp_shape

    if os.environ.get("RANK", "0") != "0":
        return
    neurons = len(layers) * mlp_shape(model)[1]
    size = AtlasState.bytes_for(neurons, sample=settings["sample"], contexts=settings["contexts"])
    print(f"[lessonkit] atlas of {neurons:,} neurons: {size / 2**30:.2f} GiB of state, whatever the length "
          "of the text (--sample and --layers set it)", file=sys.stderr, flush=True)


def _layers_of(model) -> int:
    from ..models import mlp_shape

    return mlp_shape(model)[0]
