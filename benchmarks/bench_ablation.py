"""How fast is the causal test? Many ablations at once (``ablation_effects``) against ``ablate_mlp`` one at a time.

    .venv/bin/python benchmarks/bench_ablation.py                   # SmolLM2-135M (the offline model), layer 18
    .venv/bin/python benchmarks/bench_ablation.py --neurons 32 --tokens 1024

The straightforward way to test a neuron against random neurons: for each neuron, a ``with
ablate_mlp(...)`` block around ``next_token_losses`` -- a whole forward pass per neuron. lessonkit's
``ablation_effects`` runs the layers before the ablated one once and only the later layers per
ablation, many ablations per pass. Printed: seconds per ablation for each way, their ratio, and the
largest difference between the two answers (they compute the same numbers).
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

import lessonkit as lk


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="smollm2-135m")
    parser.add_argument("--layer", type=int, default=18)
    parser.add_argument("--neurons", type=int, default=16, help="ablations timed each way (default 16)")
    parser.add_argument("--tokens", type=int, default=512, help="tokens of held-out text (default 512, notebook 03's)")
    args = parser.parse_args()
    model, tokenizer = lk.load_model(args.model)
    article, _ = lk.wikitext_articles(tokenizer)
    _, held = lk.split_by_article(article, 1024)
    stream = lk.load_wikitext_tokens(tokenizer)[0, held][: args.tokens]
    neurons = np.random.default_rng(0).choice(lk.mlp_shape(model)[1], args.neurons, replace=False).tolist()

    start = time.perf_counter()
    clean = lk.next_token_losses(model, stream)
    one_at_a_time = []
    for neuron in neurons:
        with lk.ablate_mlp(model, {args.layer: [neuron]}):
            one_at_a_time.append(lk.next_token_losses(model, stream) - clean)
    loop_s = (time.perf_counter() - start) / len(neurons)

    start = time.perf_counter()
    batched = lk.ablation_effects(model, stream, args.layer, neurons)
    batched_s = (time.perf_counter() - start) / len(neurons)

    difference = np.nanmax(np.abs(batched - np.array(one_at_a_time)))
    print(f"{args.model}, layer {args.layer}, {len(stream)} tokens, {len(neurons)} ablations, load {os.getloadavg()[0]:.1f}")
    print(f"ablate_mlp one at a time: {loop_s:.2f} s per ablation")
    print(f"ablation_effects:         {batched_s:.2f} s per ablation ({loop_s / batched_s:.1f}x faster)")
    print(f"largest difference between the two: {difference:.1e} nats")


if __name__ == "__main__":
    main()
