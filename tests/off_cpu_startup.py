"""An IPython startup file (tests/test_colab_path.py puts it in a kernel's IPYTHONDIR profile): every
activation lessonkit records from the model ``lk.load_model`` loaded is kept on a device that is not
the CPU, as on Colab's GPU, so a cell that hands activations to numpy or statsmodels without
``.cpu()`` fails here as it would there. (Other models -- the exercises' checks run tiny ones on the
CPU -- keep theirs on the CPU, as on Colab.)

The device is torch's lazy-tensor backend (it computes on the CPU; numpy refuses its tensors, as it
refuses a GPU's). The model itself stays on the CPU.
"""

import importlib

import torch

import lessonkit.hooks

importlib.import_module("torch._lazy.ts_backend").init()
_record = lessonkit.hooks.MlpRecorder.__init__


def record_off_the_cpu(self, model, *args, **kwargs):
    _record(self, model, *args, **kwargs)
    if self.device is None and hasattr(model, "lessonkit_model"):  # loaded by lk.load_model: on Colab, a GPU
        self.device = torch.device("lazy")


lessonkit.hooks.MlpRecorder.__init__ = record_off_the_cpu
