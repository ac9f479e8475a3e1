"""An IPython startup file (tests/test_colab_path.py puts it in a kernel's IPYTHONDIR profile):
every activation lessonkit records is kept on a device that is not the CPU, as on Colab's GPU, so a
cell that hands activations to numpy or statsmodels without ``.cpu()`` fails here as it would there.

The device is torch's lazy-tensor backend (it computes on the CPU; numpy refuses its tensors, as it
refuses a GPU's). The model itself stays on the CPU.
"""

import importlib

import lessonkit.hooks

importlib.import_module("torch._lazy.ts_backend").init()
_keep = lessonkit.hooks.keep


def keep_off_the_cpu(values, dtype, device=None, *, last):
    return _keep(values, dtype, "lazy" if device is None else device, last=last)


lessonkit.hooks.keep = keep_off_the_cpu
