"""The atlas's memory: a fixed-size summary of every neuron over a token stream, exactly mergeable.

``AtlasState`` takes one pass of activations at a time (:meth:`AtlasState.add_pass`) and keeps, per
neuron, only what the report needs -- its size depends on the number of neurons, never on the
length of the text:

* **sums per class** (proper noun / other capitalised / lower case or other) and split (training /
  held-out passes): token counts, sums and sums of squares, for means and standard deviations.
  The sums are integers in units of 2**-16 (each value is rounded to that grid, about 1.5e-5, before
  it is added), so adding passes in any order, on any number of processes, gives the same bits.
* **histograms per class** on one fixed set of bin edges (:func:`histogram_edges`: eight bins per
  doubling), the same on every process, so merged counts are exact.
* **the top contexts**: per neuron the ``contexts`` largest activations and the ``contexts`` most
  negative ones, each with the token ids and the neuron's values of the tokens around it (within its
  own pass). Ties in value go to the earlier
  token, so the set is unique and a merge of two halves equals one run over the whole.
* **a reservoir sample** per split and class for the regression and the AUROCs: every token gets a
  pseudo-random key from its global index and the seed (:func:`token_keys`), and each reservoir keeps
  the ``sample`` tokens with the smallest keys -- with the activations of every neuron at those tokens.
  The smallest keys of a union are the smallest of the parts' smallest, so merging is exact too; while
  a class has at most ``sample`` tokens, the reservoir holds all of them.

:func:`merge_across_ranks` combines the states of the processes of a ``torchrun`` run (a tree of
pairwise merges over ``torch.distributed``).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import torch

PROPER, CAPITALISED, OTHER = 0, 1, 2
CLASS_NAMES = ("proper noun", "other capitalised", "lower case or other")
TRAIN, HELDOUT = 0, 1
LARGEST, SMALLEST = 0, 1  # the two ends of the top contexts: strongest positive, most negative
SPLIT_NAMES = ("training", "held-out")

ZERO_LEVEL = 960  # (float32 bits of 1/128) >> 20: where the histogram's positive bins start
MIDDLE_BIN = 137  # the bin around zero; bins 0 .. 274
SUM_UNIT = 2.0**-16  # fixed-point unit of the sums: integers add exactly, in any order
LARGEST_ACTIVATION = 2.0**12  # below it, a pass's sums of squares (in units) stay below 2**53: exact in float64
LONGEST_PASS = 2**13  # tokens: 2**13 passes x (2**12)**2 / SUM_UNIT = 2**53

EMPTY_TOP = np.iinfo(np.int64).min  # an unused slot of the top contexts
EMPTY_KEY = np.iinfo(np.uint64).max  # an unused slot of a reservoir
EMPTY_INDEX = np.iinfo(np.int64).max
MAX_TOKENS = 2**32 - 1  # global token indices must fit in the low half of a top-context key

_GOLDEN = 0x9E3779B97F4A7C15
_MASK64 = 2**64 - 1


def histogram_edges() -> np.ndarray:
    """The bin edges of every histogram: 0 +- 2**e * (1 + k/8) for e = -7..9, k = 0..7, and +-1024.

    Eight bins per doubling (each 6-12% of its value wide) from 1/128 to 1024 on each side; one bin
    (-1/128, 1/128) around zero; one beyond each end. On the positive side bin i is [edge[i-1],
    edge[i]); a negative value falls in the mirror image of its magnitude's bin. A fixed table, not
    fitted to the data, so every process bins alike and merged counts are exact.
    """
    positive = (np.arange(ZERO_LEVEL, ZERO_LEVEL + 137, dtype=np.int32) << 20).view(np.float32)
    return np.concatenate([-positive[::-1], positive])


def histogram_bins(values: torch.Tensor) -> torch.Tensor:
    """The bin of each value (0 .. 274), read off its float32 bits: sign, exponent and the first three
    bits of the mantissa say which eighth of which doubling the value lies in -- no search needed."""
    bits = values.contiguous().view(torch.int32)
    level = ((bits & 0x7FFFFFFF) >> 20) - ZERO_LEVEL  # 0 for [1/128, 1/128 * 9/8), ...
    steps = level.clamp(-1, 136) + 1  # 0: the middle bin; 137: beyond 1024
    return torch.where(bits < 0, MIDDLE_BIN - steps, MIDDLE_BIN + steps)


def token_keys(global_index: np.ndarray, seed: int) -> np.ndarray:
    """A pseudo-random uint64 per token, from its position in the whole stream and the seed (splitmix64).

    The same token gets the same key on every process, which makes the reservoirs mergeable.
    """
    z = np.asarray(global_index, dtype=np.uint64) + np.uint64((seed * _GOLDEN + _GOLDEN) & _MASK64)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def top_keys(values: torch.Tensor, global_index: torch.Tensor) -> torch.Tensor:
    """One int64 per value that sorts like (value, -index): float order in the high half, index below.

    float32 bits, read as int32, sort like the floats once the negative ones have their magnitude
    bits flipped. The low half is 2**32 - 1 - index, so of two equal values the earlier token wins.
    ``global_index`` has the shape of ``values`` (or broadcasts to it).
    """
    bits = (values + 0.0).view(torch.int32)  # -0.0 + 0.0 is 0.0: the two zeros tie, as floats do
    ordered = torch.where(bits >= 0, bits, bits ^ 0x7FFFFFFF).long()
    return (ordered << 32) | (MAX_TOKENS - global_index)


def strongest_keys(rows: torch.Tensor, start: int, k: int) -> torch.Tensor:
    """The ``k`` largest :func:`top_keys` of each row of ``rows`` ([neurons, tokens of a pass that
    starts at global index ``start``]), largest first: [neurons, k]. Quick path: key only the top
    k + 4 values of each row (``torch.topk``); where ties could reach past those, key the whole row."""
    margin = min(rows.shape[1], k + 4)
    top_values, positions = torch.topk(rows, margin, dim=1)
    keys = top_keys(top_values, start + positions)
    unsure = torch.nonzero(top_values[:, -1] == top_values[:, k - 1]).view(-1) if margin > k else []
    if len(unsure):  # the k-th value ties with the last one looked at
        every = top_keys(rows[unsure], start + torch.arange(rows.shape[1]))
        keys[unsure, :k] = torch.topk(every, k, dim=1).values
        keys[unsure, k:] = EMPTY_TOP  # already among the k above, or beaten by them
    return torch.topk(keys, k, dim=1).values


def decode_top_keys(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(values float32, global indices) of top-context keys made by :func:`top_keys`."""
    ordered = (keys >> 32).astype(np.int32)
    bits = np.where(ordered >= 0, ordered, ordered ^ 0x7FFFFFFF).astype(np.int32)
    return bits.view(np.float32), MAX_TOKENS - (keys & MAX_TOKENS)


class Sample(NamedTuple):
    """Tokens of a reservoir: global indices, capitalised or not, activations ``[tokens, neurons]``."""

    index: np.ndarray
    capitalised: np.ndarray
    values: np.ndarray


class AtlasState:
    """Per-neuron running summaries of one or more layers (see the module docstring).

    ``layers``: {layer: number of neurons}; the neurons of all layers sit side by side along one axis
    (layer after layer). ``meta``: the scan's settings; two states merge only when these agree. All
    memory is taken (and touched) here, at the start: :meth:`bytes_for` says how much.
    """

    ARRAYS = ("counts", "sums", "squares", "hist", "top_key", "top_ids", "top_values",
              "sample_key", "sample_index", "sample_capitalised", "sample_values", "edges")  # fmt: skip

    def __init__(self, layers: dict[int, int], *, sample: int = 1000, contexts: int = 10,
                 before: int = 20, after: int = 4, seed: int = 0, meta: dict | None = None) -> None:  # fmt: skip
        if sample < 1 or contexts < 1 or before < 0 or after < 0:
            raise ValueError("sample and contexts must be >= 1, before and after >= 0")
        self.meta = self.settings(layers, sample=sample, contexts=contexts, before=before, after=after, seed=seed, meta=meta)
        self.progress = {"passes": 0, "tokens": 0, "next_pass": 0, "text_hash": ""}
        n = sum(layers.values())
        width = before + 1 + after
        edges = histogram_edges()
        self.counts = np.zeros((2, 3), np.int64)  # [split, class] tokens
        self.sums = np.zeros((2, 3, n), np.int64)  # [split, class, neuron], units of SUM_UNIT
        self.squares = np.zeros((2, 3, n), np.int64)
        self.hist = np.full((3, n, len(edges) + 1), 0, np.int32)  # [class, neuron, bin], both splits
        self.top_key = np.full((2, contexts, n), EMPTY_TOP, np.int64)  # [end, rank, neuron], strongest first
        self.top_ids = np.full((2, contexts, n, width), -1, np.int32)  # token ids around each top token
        self.top_values = np.zeros((2, contexts, n, width), np.float32)  # the neuron's values there
        self.sample_key = np.full((2, 3, sample), EMPTY_KEY, np.uint64)  # [split, class, slot]
        self.sample_index = np.full((2, 3, sample), EMPTY_INDEX, np.int64)
        self.sample_capitalised = np.zeros((2, 3, sample), bool)
        self.sample_values = np.full((2, 3, sample, n), 0.0, np.float32)  # [split, class, slot, neuron]
        self.edges = edges

    @staticmethod
    def settings(layers: dict[int, int], *, sample: int = 1000, contexts: int = 10, before: int = 20, after: int = 4,
                 seed: int = 0, meta: dict | None = None) -> dict:  # fmt: skip
        """The ``meta`` of a state made with these arguments (to check a checkpoint without making one)."""
        return dict(meta or {}, layers={str(k): int(v) for k, v in layers.items()}, sample=sample,
                    contexts=contexts, before=before, after=after, seed=seed)  # fmt: skip

    # ------------------------------------------------------------------ shape

    @property
    def layers(self) -> dict[int, int]:
        return {int(k): v for k, v in self.meta["layers"].items()}

    def layer_slices(self) -> dict[int, slice]:
        """Where each layer's neurons sit on the neuron axis."""
        slices, start = {}, 0
        for layer, n in self.layers.items():
            slices[layer] = slice(start, start + n)
            start += n
        return slices

    @staticmethod
    def bytes_for(n_neurons: int, *, sample: int = 1000, contexts: int = 10, before: int = 20, after: int = 4) -> int:
        """Memory of a state for ``n_neurons`` neurons (what :meth:`__init__` allocates)."""
        per_neuron = (2 * 3 * 2 * 8 + 3 * (len(histogram_edges()) + 1) * 4 + 2 * contexts * (8 + (before + 1 + after) * 8)
                      + 2 * 3 * sample * 4)  # fmt: skip
        return n_neurons * per_neuron

    # ------------------------------------------------------------------ one pass

    def add_pass(self, start: int, ids: np.ndarray, classes: np.ndarray, capitalised: np.ndarray,
                 split: int, acts: dict[int, torch.Tensor]) -> None:  # fmt: skip
        """Take one pass: its first token's global index, token ids, class and capitalisation per
        token, ``TRAIN`` or ``HELDOUT``, and each layer's activations ``[len, neurons]`` (CPU, float32)."""
        length = len(ids)
        if start + length - 1 > MAX_TOKENS:
            raise ValueError(f"the atlas counts at most {MAX_TOKENS:,} tokens")
        classes = np.asarray(classes, np.int64)
        self.counts[split] += np.bincount(classes, minlength=3)
        index = torch.arange(start, start + length)
        in_class = [np.flatnonzero(classes == c) for c in range(3)]
        entering = [self._offer(split, c, start + rows, capitalised[rows]) for c, rows in enumerate(in_class)]
        for layer, part in self.layer_slices().items():
            values = acts[layer].reshape(length, -1).float().contiguous()
            self._check_values(values, layer)
            self._add_sums(split, classes, values, part)
            self._add_histograms(classes, values, part)
            self._add_top(index, torch.from_numpy(np.asarray(ids, np.int64)), values, part)
            for c, (slots, winners) in enumerate(entering):
                self.sample_values[split, c, slots, part] = values[in_class[c][winners]].numpy()
        self.progress["passes"] += 1
        self.progress["tokens"] += length

    @staticmethod
    def _check_values(values: torch.Tensor, layer: int) -> None:
        largest = values.abs().max().item() if values.numel() else 0.0
        if not np.isfinite(largest) or largest >= LARGEST_ACTIVATION:
            raise ValueError(f"layer {layer} has an activation of {largest:g}: the atlas needs finite values below {LARGEST_ACTIVATION:g}")
        if len(values) > LONGEST_PASS:
            raise ValueError(f"a pass of {len(values)} tokens: the atlas's exact sums allow at most {LONGEST_PASS}")

    def _add_sums(self, split: int, classes: np.ndarray, values: torch.Tensor, part: slice) -> None:
        """Class sums of the values and their squares, each value first rounded to a whole number of
        SUM_UNITs. Whole numbers below 2**53 add exactly in float64, in any order, so the matrix
        product (one row per class) is exact; the totals are kept as int64."""
        exact = values.double()  # float32 -> float64, and its square, are exact
        one_hot = torch.from_numpy((classes[None, :] == np.arange(3)[:, None]).astype(np.float64))  # [3, len]
        for total, numbers in ((self.sums, exact), (self.squares, exact * exact)):
            units = torch.round(numbers / SUM_UNIT)
            total[split, :, part] += (one_hot @ units).long().numpy()
        if self.squares[split, :, part].max(initial=0) > 2**62:
            raise OverflowError("the sums of squares are about to overflow: scan fewer tokens")

    def _add_histograms(self, classes: np.ndarray, values: torch.Tensor, part: slice) -> None:
        n_total, n_bins = self.hist.shape[1], self.hist.shape[2]
        neuron = torch.arange(part.start, part.stop, dtype=torch.int32).view(1, -1)
        row_class = torch.from_numpy(classes.astype(np.int32)).view(-1, 1)
        flat = ((row_class * n_total + neuron) * n_bins + histogram_bins(values)).view(-1)  # int32: < 2**31 bins
        counts = torch.from_numpy(self.hist).view(-1)
        counts.index_add_(0, flat, torch.ones(flat.shape, dtype=torch.int32))

    def _add_top(self, index: torch.Tensor, ids: torch.Tensor, values: torch.Tensor, part: slice) -> None:
        """Merge this pass's largest (end LARGEST) and most negative (end SMALLEST) values, with their
        contexts, into the kept ones -- for the neurons where this pass has a value that enters."""
        rows = values.T.contiguous()  # [neurons, tokens]
        keep = min(len(ids), self.top_key.shape[1])
        before, after = self.meta["before"], self.meta["after"]
        for end, signed in ((LARGEST, rows), (SMALLEST, -rows)):
            best = strongest_keys(signed, int(index[0]), keep)  # [neurons, keep]
            weakest_kept = torch.from_numpy(self.top_key[end, -1, part])
            active = torch.nonzero(best[:, 0] > weakest_kept).view(-1)  # keys are unique: exact
            if not len(active):
                continue
            best = best[active].T  # [keep, active]
            _, global_index = decode_top_keys(best.numpy())
            positions = torch.from_numpy(global_index.astype(np.int64)) - int(index[0])
            window = positions.unsqueeze(-1) + torch.arange(-before, after + 1)  # [keep, active, width]
            inside = (window >= 0) & (window < len(ids))
            clamped = window.clamp(0, len(ids) - 1)
            window_ids = torch.where(inside, ids[clamped], -1).int()
            window_values = torch.where(inside, values[clamped, active.view(1, -1, 1)], 0.0)
            self._merge_top(end, part.start + active.numpy(), best, window_ids, window_values)

    def _merge_top(self, end: int, columns: np.ndarray, keys: torch.Tensor, ids: torch.Tensor, values: torch.Tensor) -> None:
        """Keep the largest of (kept, given) top-context keys of these neurons, with their contexts."""
        keep, width = self.top_key.shape[1], self.top_ids.shape[3]
        top_key, top_ids, top_values = self.top_key[end], self.top_ids[end], self.top_values[end]
        every_key = torch.cat([torch.from_numpy(top_key[:, columns]), keys])
        merged, source = torch.topk(every_key, keep, dim=0)  # keys are unique: one answer
        pick = source.unsqueeze(-1).expand(-1, -1, width)
        every_id = torch.cat([torch.from_numpy(top_ids[:, columns]), ids])
        every_value = torch.cat([torch.from_numpy(top_values[:, columns]), values])
        top_ids[:, columns] = torch.gather(every_id, 0, pick).numpy()
        top_values[:, columns] = torch.gather(every_value, 0, pick).numpy()
        top_key[:, columns] = merged.numpy()

    def top_contexts(self, end: int, column: int) -> list[tuple[float, int, np.ndarray, np.ndarray, int]]:
        """Neuron ``column``'s kept contexts at ``end`` (LARGEST or SMALLEST), strongest first: (value,
        global index, token ids, values, where the token sits in them), trimmed to its own pass."""
        keys = self.top_key[end, :, column]
        contexts = []
        for rank in np.flatnonzero(keys != EMPTY_TOP):
            value, index = decode_top_keys(keys[rank : rank + 1])
            inside = self.top_ids[end, rank, column] >= 0
            first = int(np.argmax(inside))
            contexts.append((float(value[0]) * (1 if end == LARGEST else -1), int(index[0]),
                             self.top_ids[end, rank, column][inside], self.top_values[end, rank, column][inside],
                             self.meta["before"] - first))  # fmt: skip
        return contexts

    def _offer(self, split: int, c: int, global_index: np.ndarray, capitalised: np.ndarray):
        """Offer tokens to reservoir (split, class c); returns (slots they take, which of them enter)."""
        keys = token_keys(global_index, self.meta["seed"])
        return self._offer_keys(split, c, keys, np.asarray(global_index, np.int64), capitalised)

    def _offer_keys(self, split: int, c: int, keys: np.ndarray, index: np.ndarray, capitalised: np.ndarray):
        size = self.sample_key.shape[2]
        all_keys = np.concatenate([self.sample_key[split, c], keys])
        all_index = np.concatenate([self.sample_index[split, c], index])
        best = np.lexsort((all_index, all_keys))[:size]  # the smallest (key, index): a total order
        winners = best[best >= size] - size
        slots = np.setdiff1d(np.arange(size), best[best < size])  # slots whose tokens lost
        self.sample_key[split, c, slots] = keys[winners]
        self.sample_index[split, c, slots] = index[winners]
        self.sample_capitalised[split, c, slots] = capitalised[winners]
        return slots, winners

    # ------------------------------------------------------------------ reading

    def sample(self, split: int, classes: tuple[int, ...], neurons: slice = slice(None)) -> Sample:
        """The reservoir sample of a split over ``classes``, in key order: at most ``sample`` tokens,
        those with the smallest keys -- a uniform random sample of the tokens of those classes (all of
        them while they fit). Two classes together: the smallest keys of both reservoirs. ``neurons``:
        which columns of the values (all by default)."""
        key = np.concatenate([self.sample_key[split, c] for c in classes])
        index = np.concatenate([self.sample_index[split, c] for c in classes])
        filled = np.flatnonzero(index != EMPTY_INDEX)
        chosen = filled[np.lexsort((index[filled], key[filled]))][: self.meta["sample"]]
        capitalised = np.concatenate([self.sample_capitalised[split, c] for c in classes])
        class_of_slot = np.repeat(classes, self.sample_key.shape[2])
        slot = np.tile(np.arange(self.sample_key.shape[2]), len(classes))
        values = self.sample_values[split, class_of_slot[chosen], slot[chosen], neurons]
        return Sample(index[chosen], capitalised[chosen], values)  # values: [tokens, neurons]

    def means_and_sds(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(tokens [class], mean [class, neuron], sd [class, neuron]) over both splits; sd with n - 1 (NaN for a class of fewer than two tokens, as for none)."""
        n = self.counts.sum(0).astype(np.float64)[:, None]
        total = self.sums.sum(0).astype(np.float64) * SUM_UNIT
        squares = self.squares.sum(0).astype(np.float64) * SUM_UNIT
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = total / n
            variance = np.maximum(squares - total * mean, 0.0) / np.where(n > 1, n - 1, np.nan)  # one token: no sd
        return n[:, 0].astype(np.int64), mean, np.sqrt(variance)

    # ------------------------------------------------------------------ merging

    def merge(self, other: AtlasState) -> None:
        """Add ``other`` (the same settings, other passes) into this state, exactly."""
        if other.meta != self.meta or not np.array_equal(other.edges, self.edges):
            raise ValueError("cannot merge atlas states made with different settings")
        self.counts += other.counts
        self.sums += other.sums
        self.squares += other.squares
        self.hist += other.hist
        for split in range(2):
            for c in range(3):
                filled = np.flatnonzero(other.sample_index[split, c] != EMPTY_INDEX)
                slots, winners = self._offer_keys(split, c, other.sample_key[split, c, filled],
                                                  other.sample_index[split, c, filled],
                                                  other.sample_capitalised[split, c, filled])  # fmt: skip
                self.sample_values[split, c, slots] = other.sample_values[split, c, filled[winners]]
        for end in (LARGEST, SMALLEST):
            self._merge_top(end, np.arange(self.top_key.shape[2]), torch.from_numpy(other.top_key[end]),
                            torch.from_numpy(other.top_ids[end]), torch.from_numpy(other.top_values[end]))  # fmt: skip
        self.progress["passes"] += other.progress["passes"]
        self.progress["tokens"] += other.progress["tokens"]

    # ------------------------------------------------------------------ saving

    def save(self, path: Path) -> None:
        """Write the state to ``path`` (.npz) atomically: a crash never leaves half a checkpoint."""
        path = Path(path)
        handle, staging = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(handle, "wb") as out:
                np.savez(out, meta=json.dumps({"meta": self.meta, "progress": self.progress}),
                         **{name: getattr(self, name) for name in self.ARRAYS})  # fmt: skip
            os.replace(staging, path)
        finally:
            if os.path.exists(staging):  # interrupted while writing: no stray half file
                os.unlink(staging)

    @classmethod
    def load(cls, path: Path) -> AtlasState:
        with np.load(path, allow_pickle=False) as saved:
            info = json.loads(str(saved["meta"]))
            state = cls.__new__(cls)
            state.meta, state.progress = info["meta"], info["progress"]
            for name in cls.ARRAYS:
                setattr(state, name, saved[name])  # a fresh array, read from the file
        return state


def merge_across_ranks(state: AtlasState) -> AtlasState | None:
    """Merge the states of all processes of a ``torch.distributed`` run; rank 0 gets the total.

    A tree of pairwise merges: in round r, rank i + 2**r sends its state to rank i (for i a multiple
    of 2**(r+1)). Each process holds at most two states at a time. Other ranks get None.
    """
    import torch.distributed as dist

    rank, world = dist.get_rank(), dist.get_world_size()
    step = 1
    while step < world:
        if rank % (2 * step) == step:  # send to the partner and stop
            dist.send_object_list([state], dst=rank - step)
            return None
        if rank % (2 * step) == 0 and rank + step < world:
            received: list[Any] = [None]
            dist.recv_object_list(received, src=rank + step)
            state.merge(received[0])
        step *= 2
    return state
