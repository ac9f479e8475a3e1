"""The atlas (``lessonkit scan``) against the lecture's own way (keep every activation), on a text and
on the same text twice over: tokens per second, and peak memory that stays flat when the text doubles.

    .venv/bin/python benchmarks/bench_atlas.py [--layers all] [--model smollm2-135m] [--device cpu]
                                               [--times 1 2] [--batch 1] [--skip-lecture-way]

Text: the lecture's WikiText-2 selection (79 rows), written as JSON lines into benchmarks/out/, once
(``--times 1``) and repeated (``--times 2``: the same rows twice, so twice the tokens). Each run is a
fresh process (so its peak RSS is its own), which loads the model and then:

* atlas:        ``lessonkit.scan_atlas`` -- stream 1,024-token passes into the bounded per-neuron
                state, then write the whole report (HTML, CSV, figures)
* lecture way:  ``capture_mlp`` (every activation of the chosen layers in memory, 1,024-token passes)
                and ``scan_layers`` (the per-neuron regression and AUROC table) -- memory grows with
                the text

Printed per run: tokens, seconds of the work (model loading excluded), tokens per second (of wall
time, and of the process's CPU time: steadier on a shared machine), peak RSS
of the process and its RSS after loading the model; then the atlas's speed as a ratio of the
lecture way's, and each way's peak memory at 2x over its peak at 1x. Timings on a shared machine are
noisy: repeat and compare medians.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"


def rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def write_text(times: int) -> Path:
    import lessonkit

    path = OUT / f"lecture_selection_x{times}.jsonl"
    rows = lessonkit.select_lecture_rows(lessonkit.load_wikitext_rows()) * times
    OUT.mkdir(exist_ok=True)
    path.write_text("".join(json.dumps({"text": row}) + "\n" for row in rows), encoding="utf-8")
    return path


def child(args: argparse.Namespace) -> None:
    """One measurement in this process; prints one JSON line."""
    import torch

    import lessonkit
    from lessonkit.atlas.io import parse_layers, read_rows

    model, tokenizer = lessonkit.load_model(args.model, device=args.device)
    loaded = current_rss_mb()
    layers = parse_layers(args.layers, lessonkit.mlp_shape(model)[0])
    if args.way == "atlas":
        out = OUT / f"atlas_{Path(args.text).stem}"
        shutil.rmtree(out, ignore_errors=True)
        start, cpu = time.perf_counter(), time.process_time()
        lessonkit.scan_atlas(model, tokenizer, out, model_name=args.model, text=args.text, layers=args.layers, batch=args.batch, progress=False)
        seconds = time.perf_counter() - start
        tokens = json.loads((out / "atlas.json").read_text())["tokens"]
    else:
        start, cpu = time.perf_counter(), time.process_time()
        ids = lessonkit.text.tokenize_rows(list(read_rows(args.text)), tokenizer)
        acts = lessonkit.capture_mlp(model, ids, layers, chunk=1024, progress=False)
        labels = lessonkit.tag_proper_nouns(ids, tokenizer)
        lessonkit.scan_layers(acts, labels)
        seconds = time.perf_counter() - start
        tokens = ids.shape[1]
    if args.device and args.device.startswith("cuda"):
        torch.cuda.synchronize()
    cpu = time.process_time() - cpu
    print(json.dumps({"tokens": tokens, "seconds": seconds, "cpu": cpu, "peak_mb": rss_mb(), "loaded_mb": loaded}))


def measure(way: str, text: Path, args: argparse.Namespace) -> dict:
    command = [sys.executable, __file__, "--child", way, "--text-file", str(text), "--model", args.model,
               "--layers", args.layers, "--batch", str(args.batch)] + (["--device", args.device] if args.device else [])
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{way} on {text.name} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="smollm2-135m")
    parser.add_argument("--layers", default="all")
    parser.add_argument("--device", default=None)
    parser.add_argument("--batch", type=int, default=1, help="passes per forward call (the atlas; try 8 on a GPU)")
    parser.add_argument("--times", type=int, nargs="+", default=[1, 2], help="text sizes, in copies of the selection")
    parser.add_argument("--skip-lecture-way", action="store_true", help="only the atlas (the lecture way needs RAM for every activation)")
    parser.add_argument("--child", choices=["atlas", "lecture"], help=argparse.SUPPRESS)
    parser.add_argument("--text-file", dest="text", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        args.way = args.child
        return child(args)

    print(f"model {args.model}, layers {args.layers}, device {args.device or 'default'}, torch threads "
          f"{os.environ.get('OMP_NUM_THREADS', 'default')}, {os.cpu_count()} CPUs")
    results: dict[tuple[str, int], dict] = {}
    ways = ["atlas"] + ([] if args.skip_lecture_way else ["lecture"])
    for times in args.times:
        text = write_text(times)
        for way in ways:
            r = results[way, times] = measure(way, text, args)
            print(f"{way:8} x{times}: {r['tokens']:7,} tokens {r['seconds']:7.1f} s {r['tokens'] / r['seconds']:6.0f} tok/s "
                  f"({r['tokens'] / r['cpu']:4.0f} per CPU-second)  "
                  f"peak RSS {r['peak_mb']:7.0f} MB (after loading the model {r['loaded_mb']:5.0f} MB)", flush=True)
    for times in args.times:
        if ("lecture", times) in results:
            a, b = results["atlas", times], results["lecture", times]
            print(f"x{times}: atlas speed / lecture way's = {(a['tokens'] / a['seconds']) / (b['tokens'] / b['seconds']):.2f} "
                  f"(per CPU-second {(a['tokens'] / a['cpu']) / (b['tokens'] / b['cpu']):.2f}); "
                  f"peak RSS atlas / lecture way's = {a['peak_mb'] / b['peak_mb']:.2f}")
    if len(args.times) > 1:
        low, high = min(args.times), max(args.times)
        for way in ways:
            print(f"{way}: peak RSS at x{high} / at x{low} = {results[way, high]['peak_mb'] / results[way, low]['peak_mb']:.2f} "
                  f"(text {high / low:.0f}x longer)")


if __name__ == "__main__":
    main()
