"""The lecture's own work at gpt2-medium's shape, in peak RAM: lessonkit's way beside the lecture's, in one run.

    python benchmarks/bench_memory.py [--model gpt2-medium-random] [--ways lecture lessonkit ...] [--repeats 3]

The work: load the model and its tokenizer, read and tag the lecture's text (11,524 tokens), run its
first 1,024 tokens through the model with the MLPs hooked, and fit layer 18's 4,096 regressions
(plus layer 10 / neuron 33's). Each way runs in a fresh process, so its peak RSS is its own, and
prints the peak after each step. The same way's peak differs from one fresh process to the next
(by 0.5 GiB for the lecture's cells, in runs here), so each way runs ``--repeats`` times, the ways
taking turns, and the table shows medians, with the range of the peak:

* lecture             the lecture's cells (benchmarks/lecture_cells.py): GPT2Tokenizer, its text and
                      tagging loops, its hooks (recompute c_fc, .cpu(), left on the model), a plain
                      forward pass (logits and all), its statsmodels loop
* notebook-01         notebook 01's cells: load_wikitext_tokens, tag_proper_nouns, every layer
                      recorded by record_mlp around a forward pass (float32, no key/value cache; the
                      logits are computed, as in the lecture), fit_logit
* lessonkit           the same with capture_mlp (all 24 layers, float32): the pass stops after the
                      last recorded layer, so no logits
* lessonkit-float16   the same, recorded in half precision (half the activations' memory)
* lessonkit-2-layers  the same, recording only the layers the statistics use (10 and 18)

Both ways load the model with ``lk.load_model`` (gpt2-medium itself needs the Hub, so the lecture's
``from_pretrained`` cannot run here). Sizes in GiB (2**30 bytes, what Colab's gauge calls GB), and GB.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

WAYS = ("lecture", "notebook-01", "lessonkit", "lessonkit-float16", "lessonkit-2-layers")
STEPS = ("load", "tag", "hooked", "fit")
GIB = 2**30


def child(way: str, model_name: str) -> None:
    """Do the work one way, in this process; print one JSON line: peak RSS after each step, seconds."""
    import numpy as np
    import torch

    import lessonkit as lk

    peaks, start = {}, time.perf_counter()

    def step(name: str) -> None:
        peaks[name] = lk.peak_memory().ram

    if way == "lecture":
        import statsmodels.api as sm

        from lecture_cells import lecture_hooks, lecture_layer_loop, lecture_text_and_tags

        model, tokenizer = lecture_load(model_name)
        step("load")
        activations, _ = lecture_hooks(model)
        tokens, tags = lecture_text_and_tags(lk.load_wikitext_rows(), tokenizer)
        step("tag")
        with torch.no_grad():
            model(tokens[:, :1024])  # the lecture passes tokens[0, :1024]; transformers 5 needs a 2-D batch
        step("hooked")
        proper = np.where(tags[:1024])[0]
        others = np.setdiff1d(np.arange(1024), proper)[: len(proper)]
        x = np.hstack((activations["mlp_10"][0, others, 33], activations["mlp_10"][0, proper, 33]))
        sm.Logit(np.r_[np.zeros(len(proper)), np.ones(len(proper))], sm.add_constant(x)).fit(disp=0)
        lecture_layer_loop(activations, tags, layer=18)
    else:
        model, tokenizer = lk.load_model(model_name, device="cpu")
        step("load")
        tokens = lk.load_wikitext_tokens(tokenizer)
        tags = lk.tag_proper_nouns(tokens, tokenizer)
        step("tag")
        if way == "notebook-01":
            with lk.record_mlp(model) as acts, torch.inference_mode():
                model(tokens[:, :1024], use_cache=False)
        else:
            dtype = torch.float16 if way.endswith("float16") else torch.float32
            layers = [10, 18] if way.endswith("2-layers") else None
            acts = lk.capture_mlp(model, tokens[:, :1024], layers, dtype=dtype, progress=False)
        step("hooked")
        labels = tags[:1024]
        sample = lk.balanced_sample(labels, seed=42)
        lk.fit_logit(acts[10][sample][:, 33], labels[sample])
        lk.fit_logit(acts[18][sample], labels[sample])
    step("fit")
    print(json.dumps({"peaks": peaks, "seconds": time.perf_counter() - start, "tokens": int(tokens.numel())}))


def lecture_load(model_name: str):
    """The lecture's loading cell: ``from_pretrained`` and the (slow) ``GPT2Tokenizer``; for the random
    stand-ins, the same model as ``lk.load_model`` builds, and GPT-2's tokenizer files from its cache."""
    from transformers import AutoModelForCausalLM, GPT2Tokenizer

    from lessonkit.offline.stand_ins import RANDOM_GPT2_SHAPES, cache_dir, load_random_gpt2

    if model_name not in RANDOM_GPT2_SHAPES:
        return AutoModelForCausalLM.from_pretrained(model_name).eval(), GPT2Tokenizer.from_pretrained(model_name)
    model, _ = load_random_gpt2(model_name)  # the model lk.load_model builds (seed 0)
    return model.eval(), GPT2Tokenizer.from_pretrained(cache_dir() / "gpt2-tokenizer")


def measure(way: str, model_name: str) -> dict:
    done = subprocess.run([sys.executable, __file__, "--child", way, "--model", model_name], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{way} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="gpt2-medium-random")
    parser.add_argument("--ways", nargs="+", choices=WAYS, default=list(WAYS))
    parser.add_argument("--repeats", type=int, default=3, help="fresh processes per way, the ways taking turns")
    parser.add_argument("--child", choices=WAYS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child, args.model)
    from lessonkit.offline.stand_ins import load_gpt2_tokenizer

    load_gpt2_tokenizer()  # GPT-2's tokenizer files in the cache, for the lecture's GPT2Tokenizer

    print(f"the lecture's work on {args.model} (CPU): load, tag, 1,024 tokens hooked, layer-18 fit; "
          f"peak RSS after each step, GiB; medians of {args.repeats} fresh processes each")
    runs = {way: [] for way in args.ways}
    for _ in range(args.repeats):
        for way in args.ways:
            runs[way].append(measure(way, args.model))
    print(f"{'':20s}" + "".join(f"{s:>8s}" for s in STEPS) + f"{'peak':>17s}{'range':>14s}{'seconds':>9s}")
    peaks = {}
    for way, done in runs.items():
        steps = [statistics.median(r["peaks"][s] for r in done) / GIB for s in STEPS]
        each = [max(r["peaks"].values()) / GIB for r in done]
        peaks[way] = statistics.median(each)
        print(f"{way:20s}" + "".join(f"{v:8.2f}" for v in steps) + f"{peaks[way]:8.2f} GiB{peaks[way] * GIB / 1e9:5.2f} GB"
              + f"{min(each):7.2f}-{max(each):.2f}{statistics.median(r['seconds'] for r in done):7.0f} s")
    if "lecture" in peaks:
        for way in peaks:
            if way != "lecture":
                print(f"{way}: {peaks[way] / peaks['lecture']:.2f}x the lecture's median peak")


if __name__ == "__main__":
    main()
