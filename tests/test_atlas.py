"""The atlas's statistics against literal loops, numpy, scipy and statsmodels (no model needed).

A synthetic stream (random activations with ties, random classes) goes through ``AtlasState`` pass by
pass; every kept number is then recomputed from all the values the straightforward way.
"""

from __future__ import annotations

import pickle
import queue
import threading

import numpy as np
import pytest
import statsmodels.api as sm
import torch
from scipy import stats

from lessonkit.atlas import scan as atlas
from lessonkit.atlas.io import token_passes
from lessonkit.atlas.state import (CAPITALISED, HELDOUT, LARGEST, OTHER, PROPER, SMALLEST, TRAIN, AtlasState,
                                   histogram_edges, merge_across_ranks)  # fmt: skip

LAYERS = {3: 5, 7: 4}  # two layers, 9 neurons side by side
N_NEURONS = sum(LAYERS.values())
PASS, N_PASSES = 40, 7  # the last pass is shorter
SAMPLE, CONTEXTS, BEFORE, AFTER, SEED = 15, 4, 3, 2, 11


def splitmix64(x: int) -> int:
    """splitmix64 written out with Python integers (the reference for the reservoir keys)."""
    mask = 2**64 - 1
    z = (x + 0x9E3779B97F4A7C15) & mask
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
    return z ^ (z >> 31)


def reference_key(index: int, seed: int) -> int:
    return splitmix64((index + seed * 0x9E3779B97F4A7C15) & (2**64 - 1))


def make_stream(seed: int = 0):
    """Passes of (start, ids, classes, capitalised, split, activations [len, neurons])."""
    rng = np.random.default_rng(seed)
    passes, start = [], 0
    for p in range(N_PASSES):
        length = PASS if p < N_PASSES - 1 else PASS // 2 + 3
        values = np.round(rng.normal(size=(length, N_NEURONS)) * 2, 1).astype(np.float32)  # ties on purpose
        values[rng.random(values.shape) < 0.05] = 0.0
        classes = rng.choice(3, size=length, p=[0.15, 0.15, 0.7]).astype(np.int8)
        values[classes == PROPER, 0] += 6.0  # neuron 0 of layer 3 likes proper nouns
        capitalised = (classes == CAPITALISED) | ((classes == PROPER) & (rng.random(length) < 0.8))
        ids = rng.integers(0, 1000, size=length)
        passes.append((start, ids, classes, capitalised, HELDOUT if atlas.is_heldout(p, 0.25) else TRAIN, values))
        start += length
    return passes


def fill(state: AtlasState, passes) -> AtlasState:
    for start, ids, classes, capitalised, split, values in passes:
        acts = {3: torch.from_numpy(values[:, :5]), 7: torch.from_numpy(values[:, 5:])}
        state.add_pass(start, ids, classes, capitalised, split, acts)
    return state


def new_state() -> AtlasState:
    return AtlasState(LAYERS, sample=SAMPLE, contexts=CONTEXTS, before=BEFORE, after=AFTER, seed=SEED, meta={"test": 1})


@pytest.fixture  # per test (a few ms): mutmut runs a mutant only against the tests that call its
def stream():  # function, and the calls a module-wide fixture makes count for the first test alone
    passes = make_stream()
    everything = {
        "values": np.concatenate([p[5] for p in passes]),
        "classes": np.concatenate([p[2] for p in passes]),
        "capitalised": np.concatenate([p[3] for p in passes]),
        "split": np.concatenate([np.full(len(p[1]), p[4]) for p in passes]),
        "pass": np.concatenate([np.full(len(p[1]), i) for i, p in enumerate(passes)]),
        "ids": np.concatenate([p[1] for p in passes]),
    }
    return passes, everything, fill(new_state(), passes)


# ---------------------------------------------------------------- sums, histograms


def test_counts_means_and_sds_equal_numpy_over_all_tokens(stream):
    _, every, state = stream
    for split in (TRAIN, HELDOUT):
        for c in range(3):
            assert state.counts[split, c] == np.sum((every["split"] == split) & (every["classes"] == c))
    counts, mean, sd = state.means_and_sds()
    for c in range(3):
        x = every["values"][every["classes"] == c].astype(np.float64)
        assert counts[c] == len(x)
        np.testing.assert_allclose(mean[c], x.mean(0), atol=1e-5)  # sums in units of 2**-16
        np.testing.assert_allclose(sd[c], x.std(0, ddof=1), atol=1e-4)


def literal_bin(value: float, positive_edges: list[float]) -> int:
    """The documented bins: eight per doubling from 1/128 to 1024, one around zero, one beyond each
    end; bin i of the positive side holds edge[i-1] <= value < edge[i]; negatives are mirrored."""
    steps = sum(edge <= abs(value) for edge in positive_edges)  # 0: the middle bin
    return 137 + steps if value >= 0 else 137 - steps


def test_histograms_equal_a_literal_count(stream):
    _, every, state = stream
    positive = [2.0**e * (1 + k / 8) for e in range(-7, 10) for k in range(8)] + [1024.0]
    edges = histogram_edges()
    np.testing.assert_array_equal(edges, np.array([-x for x in positive[::-1]] + positive, np.float32))
    for c in range(3):
        x = every["values"][every["classes"] == c]
        for j in range(N_NEURONS):
            expected = np.zeros(len(edges) + 1, int)
            for value in x[:, j].tolist():
                expected[literal_bin(value, positive)] += 1
            np.testing.assert_array_equal(state.hist[c, j], expected)


def test_histogram_bins_at_and_around_every_edge():
    from lessonkit.atlas.state import histogram_bins

    positive = [2.0**e * (1 + k / 8) for e in range(-7, 10) for k in range(8)] + [1024.0]
    probes = [0.0, -0.0, 1e-30, 5000.0, -5000.0, 3.4e38]
    for edge in positive:
        below = float(np.nextafter(np.float32(edge), np.float32(0)))
        probes += [edge, -edge, below, -below]
    bins = histogram_bins(torch.tensor(probes, dtype=torch.float32)).tolist()
    assert bins == [literal_bin(v, positive) for v in np.float32(probes).tolist()]


# ---------------------------------------------------------------- top contexts


@pytest.mark.parametrize("end", [LARGEST, SMALLEST])
def test_top_contexts_equal_a_sort_of_every_value(stream, end):
    passes, every, state = stream
    starts = [p[0] for p in passes]
    for j in range(N_NEURONS):
        column = every["values"][:, j]
        order = sorted(range(len(column)), key=lambda i: (-column[i] if end == LARGEST else column[i], i))[:CONTEXTS]
        kept = state.top_contexts(end, j)
        assert [where for _, where, *_ in kept] == order  # ties: the earlier token
        for (value, where, ids, values, centre) in kept:
            assert value == column[where]
            p = every["pass"][where]
            low, high = max(starts[p], where - BEFORE), min(starts[p] + len(passes[p][1]), where + AFTER + 1)
            np.testing.assert_array_equal(ids, every["ids"][low:high])  # only tokens of its own pass
            np.testing.assert_array_equal(values, column[low:high])
            assert centre == where - low


# ---------------------------------------------------------------- reservoirs


def test_reservoirs_keep_the_smallest_keys_of_each_class(stream):
    _, every, state = stream
    for split in (TRAIN, HELDOUT):
        for classes in [(PROPER,), (CAPITALISED,), (OTHER,), (CAPITALISED, OTHER)]:
            tokens = np.flatnonzero((every["split"] == split) & np.isin(every["classes"], classes))
            expected = sorted(tokens.tolist(), key=lambda i: (reference_key(i, SEED), i))[:SAMPLE]
            kept = state.sample(split, classes)
            assert kept.index.tolist() == expected
            np.testing.assert_array_equal(kept.values, every["values"][expected])
            np.testing.assert_array_equal(kept.capitalised, every["capitalised"][expected])


def test_token_keys_are_splitmix64_of_the_global_index_and_seed():
    from lessonkit.atlas.state import token_keys

    index = np.r_[np.arange(50), 2**32 - 1 - np.arange(50), [12345678, 3 * 10**9]]
    for seed in (0, 1, 11, 2**40 + 3):
        assert token_keys(index, seed).tolist() == [reference_key(int(i), seed) for i in index]


def test_a_reservoir_holds_every_token_while_they_fit():
    state = AtlasState({0: 2}, sample=1000, seed=3)
    values = np.arange(20, dtype=np.float32).reshape(10, 2)
    state.add_pass(0, np.arange(10), np.array([0, 1, 2, 0, 1, 2, 0, 1, 2, 2]), np.zeros(10, bool), TRAIN,
                   {0: torch.from_numpy(values)})  # fmt: skip
    kept = state.sample(TRAIN, (OTHER,))
    assert sorted(kept.index.tolist()) == [2, 5, 8, 9]


# ---------------------------------------------------------------- merging and saving


def assert_same_state(a: AtlasState, b: AtlasState) -> None:
    for name in ("counts", "sums", "squares", "hist", "top_key", "top_ids", "top_values"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    for split in (TRAIN, HELDOUT):
        for c in range(3):
            for x, y in zip(a.sample(split, (c,)), b.sample(split, (c,))):
                np.testing.assert_array_equal(x, y)
    assert a.progress["tokens"] == b.progress["tokens"] and a.progress["passes"] == b.progress["passes"]


def test_merging_shards_equals_one_run_in_any_order(stream):
    passes, _, whole = stream
    shards = [fill(new_state(), passes[r::3]) for r in range(3)]  # three "ranks", every third pass
    forward = fill(new_state(), passes[0::3])
    forward.merge(shards[1])
    forward.merge(shards[2])
    assert_same_state(forward, whole)
    backward = fill(new_state(), passes[2::3])
    backward.merge(shards[0])
    backward.merge(shards[1])
    assert_same_state(backward, whole)


class ThreadRanks:
    """torch.distributed for a world of processes played by threads: each thread knows its rank, and
    each (sender, receiver) pair has a queue. Objects are pickled on the way, as torch.distributed does."""

    def __init__(self, world: int) -> None:
        self.world, self.local, self.sent, self.failed = world, threading.local(), [], threading.Event()
        self.queues = {(a, b): queue.Queue() for a in range(world) for b in range(world)}

    def get_rank(self) -> int:
        return self.local.rank

    def get_world_size(self) -> int:
        return self.world

    def send_object_list(self, objects: list, dst: int) -> None:
        self.queues[self.local.rank, self._peer(dst)].put(pickle.dumps(objects))
        self.sent.append((self.local.rank, dst))

    def recv_object_list(self, objects: list, src: int) -> None:
        inbox = self.queues[self._peer(src), self.local.rank]
        for _ in range(3000):  # at most 30 s; at once when another rank has failed
            try:
                objects[:] = pickle.loads(inbox.get(timeout=0.01))
                return
            except queue.Empty:
                if self.failed.is_set():
                    break
        raise RuntimeError(f"rank {self.local.rank} waited in vain for rank {src}")

    def _peer(self, rank: int) -> int:
        if not 0 <= rank < self.world or rank == self.local.rank:  # a real process group would wait forever
            raise RuntimeError(f"rank {self.local.rank} addressed rank {rank} in a world of {self.world}")
        return rank

    def run(self, work) -> list:
        """work(rank) on every rank at once; what each returned (an exception is raised here)."""
        results, errors = [None] * self.world, []

        def one(rank: int) -> None:
            self.local.rank = rank
            try:
                results[rank] = work(rank)
            except BaseException as error:  # noqa: BLE001 - handed to the test's thread
                errors.append(error)
                self.failed.set()

        threads = [threading.Thread(target=one, args=(rank,)) for rank in range(self.world)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            raise errors[0]
        return results


@pytest.mark.parametrize("world", [1, 2, 3, 5, 7])
def test_merge_across_ranks_gives_rank_0_the_whole_run(stream, world, monkeypatch):
    """Each rank scans every world-th pass (as ``torchrun`` ranks do); rank 0 ends with the state of one run."""
    passes, _, whole = stream
    ranks = ThreadRanks(world)
    for name in ("get_rank", "get_world_size", "send_object_list", "recv_object_list"):
        monkeypatch.setattr(torch.distributed, name, getattr(ranks, name))
    merged = ranks.run(lambda rank: merge_across_ranks(fill(new_state(), passes[rank::world])))
    assert_same_state(merged[0], whole)
    assert merged[1:] == [None] * (world - 1)
    assert sorted(sender for sender, _ in ranks.sent) == list(range(1, world))  # every other rank sends once


def test_states_with_other_settings_do_not_merge(stream):
    other = AtlasState(LAYERS, sample=SAMPLE + 1, contexts=CONTEXTS, before=BEFORE, after=AFTER, seed=SEED, meta={"test": 1})
    with pytest.raises(ValueError, match="different settings"):
        new_state().merge(other)


def test_save_and_load_round_trip(stream, tmp_path):
    _, _, state = stream
    state.progress["next_pass"] = 5
    state.save(tmp_path / "s.npz")
    loaded = AtlasState.load(tmp_path / "s.npz")
    assert_same_state(loaded, state)
    assert loaded.meta == state.meta and loaded.progress == state.progress
    assert [p.name for p in tmp_path.iterdir()] == ["s.npz"]  # no temporary file left


def test_too_large_or_nan_activations_are_refused():
    state = AtlasState({0: 1}, sample=4)
    for bad in (np.nan, 1e6):
        with pytest.raises(ValueError, match="finite values below"):
            state.add_pass(0, np.arange(2), np.zeros(2), np.zeros(2, bool), TRAIN, {0: torch.tensor([[0.0], [bad]])})


# ---------------------------------------------------------------- the neuron table


def test_neuron_table_against_scipy_and_statsmodels(stream):
    _, every, state = stream
    table = atlas.neuron_table(state)
    assert len(table) == N_NEURONS and table.layer.tolist() == [3] * 5 + [7] * 4
    assert table.neuron.tolist() == list(range(5)) + list(range(4))
    for split, prefix in ((TRAIN, ""), (HELDOUT, "heldout_")):
        nouns, others = state.sample(split, (PROPER,)), state.sample(split, (CAPITALISED, OTHER))
        capital_others = state.sample(split, (CAPITALISED,)).values.astype(np.float64)
        nouns = nouns._replace(values=nouns.values.astype(np.float64))
        others = others._replace(values=others.values.astype(np.float64))
        for j in range(N_NEURONS):
            u = stats.mannwhitneyu(nouns.values[:, j], others.values[:, j]).statistic
            assert table[prefix + "auroc"][j] == pytest.approx(u / (len(nouns.index) * len(others.index)), abs=1e-12)
            capital_nouns = nouns.values[nouns.capitalised, j]
            u = stats.mannwhitneyu(capital_nouns, capital_others[:, j]).statistic
            assert table[prefix + "capitalised_auroc"][j] == pytest.approx(u / (len(capital_nouns) * len(capital_others)), abs=1e-12)
    assert table.auroc[0] > 0.7  # the planted neuron
    # the regression: m proper nouns and m others of the training sample, statsmodels' numbers
    nouns, others = state.sample(TRAIN, (PROPER,)), state.sample(TRAIN, (CAPITALISED, OTHER))
    m = min(len(nouns.index), len(others.index))
    assert table.attrs["n_regression"] == 2 * m
    y = np.r_[np.ones(m), np.zeros(m)]
    for j in (0, 6):
        x = np.r_[nouns.values[:m, j], others.values[:m, j]].astype(np.float64)
        fit = sm.Logit(y, sm.add_constant(x)).fit(disp=0)
        assert table.beta[j] == pytest.approx(fit.params[1], rel=1e-6)
        assert table.pvalue[j] == pytest.approx(fit.pvalues[1], rel=1e-5)
    assert table.significant[0]


class DigitsTokenizer:
    def decode(self, ids):
        return " ".join(str(i) for i in ids)


def test_the_atlas_chooses_its_neurons_on_the_training_passes_only(stream):
    from lessonkit.atlas.report import add_ranking_columns, chosen_neurons

    _, _, state = stream
    table = add_ranking_columns(atlas.neuron_table(state), state, DigitsTokenizer())
    by_training, by_capitalised = chosen_neurons(table, 4)
    distance = (table["auroc"] - 0.5).abs().to_numpy()
    assert by_training == sorted(range(len(table)), key=lambda i: (-distance[i], table.layer[i], table.neuron[i]))[:4]
    assert by_training[0] == 0  # the planted neuron
    scrambled = table.copy()
    for column in [c for c in table if c.startswith("heldout_")]:  # held-out numbers that point anywhere else
        scrambled[column] = np.random.default_rng(1).permutation(table[column].to_numpy())
    assert chosen_neurons(scrambled, 4) == (by_training, by_capitalised)


def test_hanley_mcneil_standard_error_written_out():
    a, n1, n0 = 0.8, 30, 50
    q1, q2 = a / (2 - a), 2 * a * a / (1 + a)
    expected = ((a * (1 - a) + (n1 - 1) * (q1 - a * a) + (n0 - 1) * (q2 - a * a)) / (n1 * n0)) ** 0.5
    assert atlas.hanley_mcneil_se(np.array([a]), n1, n0)[0] == pytest.approx(expected)


# ---------------------------------------------------------------- passes, splits, layers, classes


def test_heldout_passes_are_the_share_spread_evenly():
    assert [p for p in range(15) if atlas.is_heldout(p, 0.2)] == [4, 9, 14]
    assert [p for p in range(8) if atlas.is_heldout(p, 0.25)] == [3, 7]
    assert sum(atlas.is_heldout(p, 0.3) for p in range(1000)) == 300


@pytest.mark.parametrize("spec, expected", [("all", list(range(6))), ("3", [3]), ("0-2,5", [0, 1, 2, 5]),
                                            (" 4 , 1-2 ", [1, 2, 4]), ([5, 1], [1, 5]), (2, [2])])  # fmt: skip
def test_parse_layers(spec, expected):
    assert atlas.parse_layers(spec, 6) == expected


@pytest.mark.parametrize("spec, message", [("6", "layers 0 to 5"), ("x", "such as"), ("3-1", "layers 0 to 5"),
                                           ("-1", "such as"), ("1,,2", "such as"), ("2-", "such as")])  # fmt: skip
def test_parse_layers_rejects(spec, message):
    with pytest.raises(ValueError, match=message):
        atlas.parse_layers(spec, 6)


def test_passes_cut_the_lecture_stream(gpt2_tokenizer):
    from lessonkit.text import tokenize_rows

    rows = [f"Row {i} about Paris and London.\n" * (i % 4 + 1) for i in range(150)]
    whole = tokenize_rows(rows, gpt2_tokenizer)[0].numpy()
    passes = list(token_passes(rows, gpt2_tokenizer, pass_tokens=100, max_tokens=None))
    np.testing.assert_array_equal(np.concatenate([p.ids for p in passes]), whole)
    assert all(len(p.ids) == 100 for p in passes[:-1]) and 0 < len(passes[-1].ids) <= 100
    assert [p.index for p in passes] == list(range(len(passes)))
    assert [p.start for p in passes] == [100 * i for i in range(len(passes))]
    assert len(passes[0].previous) == 0 and all(np.array_equal(a.ids, b.previous) for a, b in zip(passes, passes[1:]))
    short = list(token_passes(rows, gpt2_tokenizer, pass_tokens=100, max_tokens=250))
    assert [len(p.ids) for p in short] == [100, 100, 50]
    np.testing.assert_array_equal(np.concatenate([p.ids for p in short]), whole[:250])


def test_classes_per_pass_equal_the_lecture_loop_on_the_whole_stream(gpt2_tokenizer):
    from lessonkit.tagging import lecture_rule_loop
    from lessonkit.text import tokenize_rows

    rows = ["The Battle of Hastings was fought in England. Then William ruled:\n", "Paris is in France ; the river Seine\n"] * 20
    whole = tokenize_rows(rows, gpt2_tokenizer)[0].numpy()
    classes, capitalised = [], []
    for one in token_passes(rows, gpt2_tokenizer, pass_tokens=7, max_tokens=None):  # names cut across passes
        c, cap = atlas.token_classes(one.ids, one.previous, gpt2_tokenizer, "lecture")
        classes.append(c)
        capitalised.append(cap)
    classes, capitalised = np.concatenate(classes), np.concatenate(capitalised)
    tags = lecture_rule_loop(whole, gpt2_tokenizer)
    literal_capital = np.array([gpt2_tokenizer.decode([t]).strip()[:1].isupper() for t in whole])
    np.testing.assert_array_equal(classes == PROPER, tags == 1)
    np.testing.assert_array_equal(capitalised, literal_capital)
    np.testing.assert_array_equal(classes == CAPITALISED, literal_capital & (tags == 0))
    assert (classes == PROPER).sum() > 10 and (classes == CAPITALISED).sum() > 10


def test_strongest_keys_with_many_ties_equal_a_sort():
    from lessonkit.atlas.state import decode_top_keys, strongest_keys

    rng = np.random.default_rng(5)
    rows = torch.from_numpy(rng.choice([0.0, 1.0, 2.0], size=(6, 50), p=[0.7, 0.2, 0.1]).astype(np.float32))
    rows[0] = 0.0  # every value tied
    keys = strongest_keys(rows, start=1000, k=5).numpy()
    for j in range(6):
        expected = sorted(range(50), key=lambda i: (-rows[j, i].item(), i))[:5]
        values, index = decode_top_keys(keys[j])
        assert index.tolist() == [1000 + i for i in expected]
        assert values.tolist() == [rows[j, i].item() for i in expected]


def test_text_files_are_read_row_by_row(tmp_path):
    from lessonkit.atlas.io import ScanInputError, check_text, read_rows

    jsonl = tmp_path / "rows.jsonl"
    jsonl.write_text('{"text": "First row about Paris.\\n"}\n\n{"text": "Second row."}\n', encoding="utf-8")
    plain = tmp_path / "notes.txt"
    plain.write_text("One line.\nAnother line, in Rome.\n", encoding="utf-8")
    assert "file" in check_text(str(jsonl)) and "file" in check_text(str(plain))
    assert list(read_rows(str(jsonl))) == ["First row about Paris.\n", "Second row."]
    assert list(read_rows(str(plain))) == ["One line.\n", "Another line, in Rome.\n"]
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"text": "fine"}\n["no", "text"]\n', encoding="utf-8")
    with pytest.raises(ScanInputError, match="broken.jsonl, line 2: expected a JSON object"):
        list(read_rows(str(broken)))
    for bad, message in ((str(tmp_path / "missing.jsonl"), "no such file"), (str(tmp_path), "is a folder")):
        with pytest.raises(ScanInputError, match=message):
            check_text(bad)


# ---------------------------------------------------------------- the state's edges: both ends, limits, memory, files


def literal_top(values: np.ndarray, end: int, k: int) -> list[int]:
    """Token positions of the k largest (LARGEST) or most negative (SMALLEST) values, ties to the earlier token."""
    sign = -1.0 if end == LARGEST else 1.0
    return sorted(range(len(values)), key=lambda i: (sign * float(values[i]), i))[:k]


def test_top_contexts_at_both_ends_equal_a_literal_loop():
    """Three layers, passes of many lengths starting far from 0, neurons that are all negative, all
    positive, all tied, or tied at the k-th value far beyond it; token id 0; ids stored as uint16."""
    layers, k, before, after, first = {2: 2, 5: 1, 9: 3}, 5, 2, 3, 1000
    state = AtlasState(layers, sample=4, contexts=k, before=before, after=after, seed=1)
    rng = np.random.default_rng(7)
    passes, start = [], first
    for length in (9, 3, 6, 14, 1, 40):
        values = np.round(rng.normal(size=(length, 6)) * 8) / 8
        values[:, 1] = -1 - np.abs(values[:, 1])  # all negative: its largest are the least negative
        values[:, 2] = 1 + np.abs(values[:, 2])  # all positive: its most negative are the smallest
        values[:, 3] = 0.5  # every value tied: the earliest tokens win
        if length == 40:  # the k-th value ties with many beyond the k + 4 that topk looks at first
            values[:, 4] = np.r_[9, 8, 7, 5 * np.ones(37)]
        passes.append((start, rng.integers(0, 4, size=length).astype(np.uint16), (values + 0.0).astype(np.float32)))
        start += length
    passes.append((start, np.zeros(3, np.uint16), np.full((3, 6), -100.0, np.float32)))  # enters at SMALLEST only
    for begin, ids, values in passes:
        acts = {2: torch.from_numpy(values[:, :2]), 5: torch.from_numpy(values[:, 2:3]), 9: torch.from_numpy(values[:, 3:])}
        state.add_pass(begin, ids, np.arange(len(ids)) % 3, np.zeros(len(ids), bool), TRAIN, acts)
    every = np.concatenate([v for _, _, v in passes])
    every_ids = np.concatenate([i for _, i, _ in passes]).astype(np.int64)
    pass_of = np.concatenate([np.full(len(i), p) for p, (_, i, _) in enumerate(passes)])
    for end in (LARGEST, SMALLEST):
        for j in range(6):
            kept = state.top_contexts(end, j)
            expected = literal_top(every[:, j], end, k)
            assert [where - first for _, where, *_ in kept] == expected, (end, j)
            for (value, where, ids, values, centre), i in zip(kept, expected):
                assert value == every[i, j]
                p = pass_of[i]
                begin, length = passes[p][0] - first, len(passes[p][1])
                low, high = max(begin, i - before), min(begin + length, i + after + 1)
                np.testing.assert_array_equal(ids, every_ids[low:high])
                np.testing.assert_array_equal(values, every[low:high, j])
                assert centre == i - low


def test_strongest_keys_when_the_kth_value_ties_far_beyond_it():
    from lessonkit.atlas.state import decode_top_keys, strongest_keys

    rows = torch.tensor([[9.0, 8.0, 7.0] + [5.0] * 30, [-1.0] * 20 + [-3.0, -0.5] + [-1.0] * 11])
    for k in (1, 4, 6):
        values, index = decode_top_keys(strongest_keys(rows, start=50, k=k).numpy())
        for j in range(2):
            expected = literal_top(rows[j].numpy(), LARGEST, k)
            assert index[j].tolist() == [50 + i for i in expected]
            assert values[j].tolist() == [rows[j, i].item() for i in expected]


def state_nbytes(state: AtlasState) -> int:
    """What numpy says the state's arrays take."""
    return sum(value.nbytes for value in vars(state).values() if isinstance(value, np.ndarray))


@pytest.mark.parametrize("settings", [{}, {"sample": 7, "contexts": 3}, {"sample": 1, "contexts": 1, "before": 0, "after": 0},
                                      {"sample": 20, "contexts": 12, "before": 5, "after": 9}])  # fmt: skip
def test_bytes_for_is_what_each_neuron_adds_to_the_arrays(settings):
    """``lessonkit scan`` prints bytes_for(neurons, sample=, contexts=) before it makes the state with the
    same two numbers: the other settings (before, after) must default alike in both."""
    one, eleven = AtlasState({0: 1}, **settings), AtlasState({0: 6, 4: 5}, **settings)
    assert AtlasState.bytes_for(10, **settings) == state_nbytes(eleven) - state_nbytes(one)
    assert AtlasState.bytes_for(1, **settings) * 3 == AtlasState.bytes_for(3, **settings) and AtlasState.bytes_for(0, **settings) == 0


def test_the_defaults_agree_and_the_scan_relies_on_them():
    """The scan's resume check compares a checkpoint's meta with settings(...) of the same arguments."""
    layers = {1: 3, 4: 2}
    assert AtlasState(layers).meta == AtlasState.settings(layers)
    assert AtlasState(layers, meta={"model": "m"}).meta == AtlasState.settings(layers, meta={"model": "m"})
    assert AtlasState.bytes_for(5) == state_nbytes(AtlasState({0: 6})) - state_nbytes(AtlasState({0: 1}))
    custom = dict(sample=3, contexts=2, before=1, after=0, seed=9)
    state = AtlasState(layers, **custom, meta={"model": "m", "sample": "overridden"})
    assert state.meta == AtlasState.settings(layers, **custom, meta={"model": "m"})
    assert state.meta["model"] == "m" and state.meta["layers"] == {"1": 3, "4": 2}
    assert {name: state.meta[name] for name in custom} == custom


@pytest.mark.parametrize("name, other", [("sample", 3), ("contexts", 3), ("before", 2), ("after", 1), ("seed", 5), ("meta", {"model": "b"})])
def test_states_differing_in_one_setting_do_not_merge(name, other):
    base = dict(sample=2, contexts=2, before=1, after=2, seed=4, meta={"model": "a"})
    with pytest.raises(ValueError, match="different settings"):
        AtlasState({0: 2}, **base).merge(AtlasState({0: 2}, **{**base, name: other}))


@pytest.mark.parametrize("bad", [{"sample": 0}, {"contexts": 0}, {"before": -1}, {"after": -1}])
def test_each_impossible_setting_alone_is_refused(bad):
    with pytest.raises(ValueError, match="must be >= 1"):
        AtlasState({0: 2}, **bad)


def test_the_smallest_settings_work():
    state = AtlasState({0: 2}, sample=1, contexts=1, before=0, after=0)
    values = torch.tensor([[1.0, -2.0], [3.0, 0.5], [-4.0, 2.5]])
    state.add_pass(10, np.array([7, 8, 9]), np.zeros(3), np.zeros(3, bool), TRAIN, {0: values})
    assert [(v, i, ids.tolist(), c) for v, i, ids, _, c in state.top_contexts(LARGEST, 0)] == [(3.0, 11, [8], 0)]
    assert [(v, i, ids.tolist(), c) for v, i, ids, _, c in state.top_contexts(SMALLEST, 1)] == [(-2.0, 10, [7], 0)]
    assert len(state.sample(TRAIN, (PROPER,)).index) == 1


def test_progress_counts_passes_and_tokens(stream):
    passes, every, state = stream
    assert state.progress["passes"] == len(passes) and state.progress["tokens"] == len(every["values"])
    fresh = AtlasState(LAYERS)  # what a new scan's resume logic reads: nothing done yet
    assert (fresh.progress["passes"], fresh.progress["tokens"], fresh.progress["next_pass"]) == (0, 0, 0)
    assert "text_hash" in fresh.progress


def test_global_indices_up_to_the_limit_and_not_one_more():
    limit = 2**32 - 1  # the documented largest global token index
    state = AtlasState({0: 1}, sample=3, contexts=2, before=1, after=1)
    values = torch.tensor([[1.0], [2.0], [-3.0]])
    state.add_pass(limit - 2, np.array([4, 5, 6]), np.zeros(3), np.zeros(3, bool), TRAIN, {0: values})
    assert [(v, i) for v, i, *_ in state.top_contexts(LARGEST, 0)] == [(2.0, limit - 1), (1.0, limit - 2)]
    assert [(v, i) for v, i, *_ in state.top_contexts(SMALLEST, 0)] == [(-3.0, limit), (1.0, limit - 2)]
    with pytest.raises(ValueError, match="at most"):
        state.add_pass(limit - 1, np.array([4, 5, 6]), np.zeros(3), np.zeros(3, bool), TRAIN, {0: values})


def test_a_pass_without_tokens_of_some_class():
    state = AtlasState({0: 1}, sample=3)
    state.add_pass(0, np.arange(4), np.array([0, 1, 1, 0]), np.ones(4, bool), HELDOUT, {0: torch.ones(4, 1)})
    assert state.counts[HELDOUT].tolist() == [2, 2, 0] and state.counts[TRAIN].tolist() == [0, 0, 0]


def test_activation_and_pass_length_limits():
    below = float(np.nextafter(np.float32(4096), np.float32(0)))
    state = AtlasState({3: 1, 7: 1}, sample=2, contexts=1)
    state.add_pass(0, np.arange(2), np.zeros(2), np.zeros(2, bool), TRAIN, {3: torch.tensor([[below], [-below]]), 7: torch.zeros(2, 1)})
    for bad in (4096.0, -4096.0, np.inf):
        with pytest.raises(ValueError, match="layer 7 has an activation"):
            state.add_pass(2, np.arange(2), np.zeros(2), np.zeros(2, bool), TRAIN, {3: torch.zeros(2, 1), 7: torch.tensor([[0.0], [bad]])})
    longest = 2**13  # tokens: the documented longest pass
    state.add_pass(10, np.zeros(longest, int), np.zeros(longest), np.zeros(longest, bool), TRAIN, {3: torch.ones(longest, 1), 7: torch.ones(longest, 1)})
    with pytest.raises(ValueError, match="at most 8192"):
        n = longest + 1
        state.add_pass(10**5, np.zeros(n, int), np.zeros(n), np.zeros(n, bool), TRAIN, {3: torch.ones(n, 1), 7: torch.ones(n, 1)})


def test_means_and_sds_of_constant_empty_and_single_token_classes():
    """No warning reaches the student: an empty class has no mean, a class of one token no sd."""
    import warnings

    state = AtlasState({0: 2}, sample=2)
    values = torch.tensor([[0.25, 1.0], [0.25, 3.0], [0.25, 5.5], [0.25, -2.0]])
    state.add_pass(0, np.arange(4), np.array([0, 0, 0, 2]), np.zeros(4, bool), TRAIN, {0: values})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        counts, mean, sd = state.means_and_sds()
    assert counts.tolist() == [3, 0, 1] and np.issubdtype(counts.dtype, np.integer)
    assert mean[0].tolist() == [0.25, 9.5 / 3] and sd[0, 0] == 0.0  # a constant neuron: no spread at all
    assert sd[0, 1] == pytest.approx(np.std([1.0, 3.0, 5.5], ddof=1), abs=1e-6)
    assert np.isnan(mean[1]).all() and np.isnan(sd[1]).all()
    assert mean[2].tolist() == [0.25, -2.0] and np.isnan(sd[2]).all()


def test_sums_stay_exact_beyond_float64s_integers():
    """The sums are integers: after 2**17 passes' worth of merges they still equal Python's integer sums
    (float64 sums would round above 2**53 units); a scan about to overflow them is stopped."""
    import copy

    n = 2**13
    values = (255 + (np.arange(n) % 7 + 1) / 2**16).astype(np.float32)  # odd numbers of units of 2**-16
    one = AtlasState({0: 1}, sample=1, contexts=1)
    one.add_pass(0, np.zeros(n, int), np.zeros(n), np.zeros(n, bool), TRAIN, {0: torch.from_numpy(values[:, None])})
    units = sum(round(float(v) * 2**16) for v in values.tolist())
    squares = sum(round(float(v) ** 2 * 2**16) for v in values.tolist())
    total = copy.deepcopy(one)
    for _ in range(16):  # total = 2 * total + one
        total.merge(copy.deepcopy(total))
        total.merge(one)
    copies = 2**17 - 1
    assert units % 2 == 1 and units * copies > 2**53 and squares * copies < 2**62
    assert int(total.sums[TRAIN, PROPER, 0]) == units * copies
    assert int(total.squares[TRAIN, PROPER, 0]) == squares * copies
    total.merge(copy.deepcopy(total))  # now above 2**62 units (int64 ends at 2**63)
    with pytest.raises(OverflowError, match="overflow"):
        total.add_pass(0, np.zeros(n, int), np.zeros(n), np.zeros(n, bool), TRAIN, {0: torch.from_numpy(values[:, None])})


def test_save_stages_beside_the_checkpoint_under_a_hidden_temporary_name(stream, tmp_path, monkeypatch):
    """The final rename is atomic only within one folder; a crash's leftover is hidden, says whose it
    is, and is not taken for a checkpoint (``--resume`` lists *.npz)."""
    import os
    import re

    _, _, state = stream
    renames, replace = [], os.replace

    def watched_replace(source, target):
        renames.append((source, target))
        replace(source, target)

    monkeypatch.setattr(os, "replace", watched_replace)
    state.save(tmp_path / "rank-0.npz")
    (source, target), = renames
    assert os.path.dirname(source) == str(tmp_path) and str(target) == str(tmp_path / "rank-0.npz")
    assert re.fullmatch(r"\.rank-0\.npz\.[^/]+\.tmp", os.path.basename(source)), source
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rank-0.npz"]


def test_a_failed_save_keeps_the_last_checkpoint_and_leaves_nothing(stream, tmp_path, monkeypatch):
    _, _, state = stream
    state.save(tmp_path / "s.npz")
    before = (tmp_path / "s.npz").read_bytes()

    def disk_full(*args, **kwargs):
        raise OSError("No space left on device")

    monkeypatch.setattr(np, "savez", disk_full)
    with pytest.raises(OSError, match="No space left"):
        state.save(tmp_path / "s.npz")
    assert [p.name for p in tmp_path.iterdir()] == ["s.npz"] and (tmp_path / "s.npz").read_bytes() == before


def test_loading_never_unpickles(stream, tmp_path):
    """A checkpoint is numbers only: a file with a pickled object in it is refused, not executed."""
    _, _, state = stream
    arrays = {name: getattr(state, name) for name in AtlasState.ARRAYS}
    arrays["counts"] = np.array([{"pickled": True}], dtype=object)
    np.savez(tmp_path / "evil.npz", meta=np.array('{"meta": {}, "progress": {}}'), **arrays)
    with pytest.raises(ValueError, match="allow_pickle"):
        AtlasState.load(tmp_path / "evil.npz")


def test_a_one_token_class_has_no_sd_whatever_its_value():
    """n - 1 = 0: the sd is undefined (NaN), not inf -- whatever rounding the value's square got."""
    state = AtlasState({0: 3}, sample=2)
    values = torch.tensor([[1 / 3, 0.7, -2.0], [0.5, 0.25, 1.5], [-1.0, 2.0, 0.125]])
    state.add_pass(0, np.arange(3), np.array([OTHER, PROPER, PROPER]), np.zeros(3, bool), TRAIN, {0: values})
    counts, mean, sd = state.means_and_sds()
    assert counts.tolist() == [2, 0, 1] and np.isnan(sd[1:]).all()
    np.testing.assert_allclose(mean[OTHER], [1 / 3, 0.7, -2.0], atol=2**-16)
    np.testing.assert_allclose(sd[PROPER], np.std(values[1:].numpy().astype(np.float64), axis=0, ddof=1), atol=1e-4)


def test_zero_and_negative_zero_tie_and_go_to_the_earlier_token():
    """GELU and SiLU give -0.0 far left of zero: it equals 0.0, so the earlier token wins, at both ends."""
    state = AtlasState({0: 1}, sample=2, contexts=1, before=0, after=0)
    values = torch.tensor([[-0.0], [0.0], [-0.0], [0.0]])
    state.add_pass(5, np.arange(4), np.zeros(4), np.zeros(4, bool), TRAIN, {0: values})
    assert [i for _, i, *_ in state.top_contexts(LARGEST, 0)] == [5]
    assert [i for _, i, *_ in state.top_contexts(SMALLEST, 0)] == [5]
    state.add_pass(9, np.arange(2), np.zeros(2), np.zeros(2, bool), TRAIN, {0: torch.tensor([[0.0], [-0.0]])})
    assert [i for _, i, *_ in state.top_contexts(LARGEST, 0)] == [5] and [i for _, i, *_ in state.top_contexts(SMALLEST, 0)] == [5]
