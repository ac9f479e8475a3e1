"""The whole lecture, step by step: lessonkit's way against the lecture's own way, in one run.

    python benchmarks/bench_lecture.py                              # gpt2-medium's shape, random weights
    python benchmarks/bench_lecture.py --model smollm2-135m --device cuda

Each line prints a step's time the lecture's way, lessonkit's way and the ratio. The lecture's ways
are copies of its cells: a tagging loop that decodes every token, a hook that recomputes ``c_fc``,
a statsmodels loop over the neurons of layer 18, an ``ax.text`` heatmap.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import statsmodels.api as sm
import torch

import lessonkit as lk
from lecture_cells import lecture_heatmap  # a copy of the lecture's cells
from lessonkit.tagging import lecture_rule_loop


def timed(function, *args, **kwargs):
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    start = time.perf_counter()
    result = function(*args, **kwargs)
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    return time.perf_counter() - start, result


def lecture_forward(model, batch, sites):
    """The lecture's hook: recompute the first linear layer from the MLP input, one dict entry per layer
    (each pass overwrites it). Removed afterwards here; the lecture leaves its hooks on the model."""
    activations = {}
    handles = []
    for layer, site in sites.items():
        mlp_name, first_linear = site.name.rsplit(".", 1)

        def hook(module, inputs, output, layer=layer, first_linear=first_linear):
            activations[f"mlp_{layer}"] = getattr(module, first_linear)(inputs[0]).detach().cpu()

        handles.append(model.get_submodule(mlp_name).register_forward_hook(hook))
    try:
        with torch.no_grad():
            model(batch)
    finally:
        for handle in handles:
            handle.remove()
    return activations


def lessonkit_forward(model, batch):
    with lk.record_mlp(model) as acts, torch.inference_mode():
        model(batch)
    return acts


def statsmodels_loop(X, y, n_neurons):
    betas, pvals = np.zeros(n_neurons), np.zeros(n_neurons)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for neuron in range(n_neurons):
            fit = sm.Logit(y, sm.add_constant(X[:, neuron])).fit(disp=0)
            betas[neuron], pvals[neuron] = fit.params[1], fit.pvalues[1]
    return betas, pvals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="gpt2-medium-random")
    parser.add_argument("--device", default=None)
    parser.add_argument("--loop-neurons", type=int, default=512, help="neurons timed in the statsmodels loop (scaled up)")
    args = parser.parse_args()

    rows = []

    def report(step, lecture_s, lessonkit_s):
        rows.append((step, lecture_s, lessonkit_s))
        ratio = f"{lecture_s / lessonkit_s:8.1f}x" if lecture_s else "        -"
        lecture_text = f"{lecture_s:9.3f} s" if lecture_s else "          -"
        print(f"{step:<46} {lecture_text} {lessonkit_s:9.3f} s {ratio}", flush=True)

    load_s, (model, tokenizer) = timed(lk.load_model, args.model, device=args.device)
    device = next(model.parameters()).device
    n_layers, n_neurons = lk.mlp_shape(model)
    print(f"{args.model} on {device}: {n_layers} layers x {n_neurons} neurons "
          f"(torch {torch.__version__}, {torch.get_num_threads()} threads)")
    print(f"{'step':<46} {'lecture':>11} {'lessonkit':>11} {'ratio':>9}")
    report("load the model", 0, load_s)
    text_s, tokens = timed(lk.load_wikitext_tokens, tokenizer)
    report(f"text: {tokens.shape[1]} tokens", 0, text_s)

    loop_s, loop_tags = timed(lecture_rule_loop, tokens, tokenizer)
    fast_s, tags = timed(lk.tag_proper_nouns, tokens, tokenizer)
    assert np.array_equal(loop_tags, tags)
    report(f"tag proper nouns ({tags.sum()} tagged)", loop_s, fast_s)

    batch = tokens[:, :1024].to(device)
    sites = lk.mlp_site_modules(model)
    timed(lessonkit_forward, model, batch)  # warm-up
    plain_s, _ = timed(lambda: model(batch))
    lecture_s, lecture_acts = timed(lecture_forward, model, batch, sites)
    record_s, acts = timed(lessonkit_forward, model, batch)
    assert torch.allclose(lecture_acts["mlp_10"][0], acts[10], atol=1e-4)
    report(f"forward 1,024 tokens, all {n_layers} layers hooked", lecture_s, record_s)
    print(f"{'  (a plain forward, no hooks)':<46} {'':11} {plain_s:9.3f} s")

    labels = tags[:1024]
    sample = lk.balanced_sample(labels, seed=42)
    X, y = acts[18][sample].double().numpy(), labels[sample]
    n_loop = min(args.loop_neurons, n_neurons)
    loop_s, (betas, pvals) = timed(statsmodels_loop, X, y, n_loop)
    loop_s *= n_neurons / n_loop
    fit_s, fit = timed(lk.fit_logit, X, y)
    ok = fit.converged[:n_loop] & ~fit.separated[:n_loop]
    error = np.max(np.abs(fit.beta[:n_loop][ok] - betas[ok]) / np.abs(betas[ok]))
    report(f"layer 18: {n_neurons} regressions (max rel. err {error:.0e})", loop_s, fit_s)

    scan_s, scan = timed(lk.scan_layers, acts, labels, seed=42)
    report(f"all {n_layers} layers: regressions + AUROC", loop_s * n_layers, scan_s)

    texts = lk.token_texts(batch[0, :512].cpu(), tokenizer)
    values = acts[18][:, 0]
    html_s, _ = timed(lk.token_heatmap, texts, values[:512])
    lecture_figure_s, _ = timed(lecture_heatmap, texts, values.numpy())
    figure_s, figure = timed(lambda: lk.token_heatmap(texts, values[:512], vmin=float(values.min()), vmax=float(values.max()),
                                                      backend="matplotlib").canvas.draw())
    report("heatmap of 512 tokens (matplotlib / HTML)", lecture_figure_s, figure_s)
    print(f"{'':<46} {'':11} {html_s:9.3f} s (HTML)")


if __name__ == "__main__":
    main()
