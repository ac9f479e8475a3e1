"""benchmarks/bench_gpu.py runs end to end on CPU tensors: every step prints its figure, and the GPU-only
figures are skipped with one line (on a GPU the same script prints them all)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
@pytest.mark.skipif(torch.cuda.is_available(), reason="the CPU run; on a GPU run the script itself")
def test_bench_gpu_prints_every_ratio_in_one_run_on_cpu_tensors():
    command = [sys.executable, str(ROOT / "benchmarks" / "bench_gpu.py"), "--device", "cpu", "--model", "gpt2-random",
               "--tokens", "32", "--repeats", "1", "--scan-tokens", "64", "--batches", "1", "--sample", "20"]
    env = {**os.environ, "LESSONKIT_OFFLINE": "1", "HF_HUB_OFFLINE": "1", "MPLBACKEND": "Agg"}
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    ratios = dict(re.findall(r"^   (plain forward|lk\.record_mlp \(kept where computed\)|the lecture's hook.*?)\s+[\d.]+ ms\s+([\d.]+)x plain$",
                             out, re.M))
    assert len(ratios) == 3 and float(ratios["plain forward"]) == 1.0, out
    assert re.search(r"^   on the CPU \((numba|torch) path\)\s+[\d.]+ s$", out, re.M), out
    assert re.search(r"^   --batch 1: 64 tokens at [\d,]+ tokens/s, [\d.]+x a plain forward pass's rate$", out, re.M), out
    skipped = [line for line in out.splitlines() if line.startswith("skipped")]
    assert skipped == ["skipped (no CUDA GPU here): recording with a copy to the CPU, lk.scan_layers on the GPU, "
                       "the GPU's peak memory"]
