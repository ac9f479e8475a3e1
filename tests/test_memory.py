"""peak_memory: the process's peak RAM against the kernel's own counter, and a known allocation seen in it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import lessonkit
from lessonkit._machinery import memory as _memory

LINUX = Path("/proc/self/status").is_file()


def vm_hwm_bytes() -> int:
    """Linux's own peak resident set size of this process (VmHWM in /proc/self/status, in kB)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM line")


@pytest.mark.skipif(not LINUX, reason="reads Linux's /proc/self/status")
def test_peak_ram_is_the_kernels_high_water_mark():
    before, reported, after = vm_hwm_bytes(), lessonkit.peak_memory().ram, vm_hwm_bytes()
    assert before - 2**20 <= reported <= after + 2**20  # the two counters may differ by a few pages (per-thread RSS counts)


@pytest.mark.skipif(not LINUX, reason="reads Linux's /proc/self/status")
def test_a_300_mb_array_raises_the_peak_above_what_was_held_before_it():
    code = ("import os, numpy as np, lessonkit as lk; "
            "held = int(open('/proc/self/statm').read().split()[1]) * os.sysconf('SC_PAGE_SIZE'); "
            "a = np.ones(300 * 2**20, dtype=np.uint8); print(held, lk.peak_memory().ram)")
    held, peak = map(int, subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                         check=True).stdout.split())
    assert peak >= held + 300 * 2**20


def test_one_line_in_gib_beside_colabs_free_tier():
    line = str(_memory.PeakMemory(ram=int(2.25 * 2**30), gpus={"cuda:0": 3 * 2**30}))
    assert line == ("peak memory of this Python process: RAM 2.25 GiB (Colab's free tier has 12.7 GiB); "
                    "GPU cuda:0 3.00 GiB (torch's peak allocation)")
    assert "RAM unknown" in str(_memory.PeakMemory(ram=None, gpus={}))
    assert "\n" not in str(lessonkit.peak_memory())


def test_asking_for_the_gpu_figure_never_imports_torch():
    code = "import sys, lessonkit as lk; lk.peak_memory(); print('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "False"
