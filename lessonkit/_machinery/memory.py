"""How much memory this Python process has needed at most: its peak RAM, and each GPU's peak.

A notebook's last cell prints it (``print(lk.peak_memory())``), so an instructor knows what the
lecture cost before taking it to Colab (free tier: 12.7 GiB of RAM, a T4 GPU with 15 GiB). Sizes are
in GiB (2**30 bytes), the unit behind the "GB" that Colab's RAM and GPU gauges show.

RAM is the peak resident set size (RSS) that the operating system reports for this process (Linux,
macOS; elsewhere it is unknown). A GPU's figure is torch's peak allocation on it, since the start or
since ``torch.cuda.reset_peak_memory_stats()`` (the driver's own share, a few hundred MB, comes on top).
"""

from __future__ import annotations

import sys
from typing import NamedTuple

GIB = 2**30
COLAB_FREE_RAM_GIB = 12.7  # Colab's free tier: RAM as its gauge shows it (GiB)


def peak_rss_bytes() -> int | None:
    """The most RAM this process has held at once (peak RSS), in bytes; None where the OS does not say."""
    try:
        import resource
    except ImportError:  # Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024  # macOS counts bytes, Linux kilobytes


def peak_gpu_bytes() -> dict[str, int]:
    """Torch's peak allocation on each CUDA GPU this process has used, in bytes (none without a GPU)."""
    torch = sys.modules.get("torch")  # never import torch (and never start CUDA) just to say "none"
    if torch is None or not torch.cuda.is_available() or not torch.cuda.is_initialized():
        return {}
    return {f"cuda:{i}": torch.cuda.max_memory_allocated(i) for i in range(torch.cuda.device_count())
            if torch.cuda.max_memory_allocated(i) > 0}  # fmt: skip


class PeakMemory(NamedTuple):
    """Peak RAM (bytes, None if unknown) and peak GPU allocations (device -> bytes) of this process."""

    ram: int | None
    gpus: dict[str, int]

    def __str__(self) -> str:
        ram = "unknown on this system" if self.ram is None else f"{self.ram / GIB:.2f} GiB"
        line = f"peak memory of this Python process: RAM {ram} (Colab's free tier has {COLAB_FREE_RAM_GIB} GiB)"
        for device, used in self.gpus.items():
            line += f"; GPU {device} {used / GIB:.2f} GiB (torch's peak allocation)"
        return line


def peak_memory() -> PeakMemory:
    """This process's peak RAM (RSS) and peak GPU memory so far; ``print()`` it for one line."""
    return PeakMemory(peak_rss_bytes(), peak_gpu_bytes())
