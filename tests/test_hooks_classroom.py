"""The hooks room in a live class: the stop button, a check of one layer, and progress bars.

* A recording stopped half-way (an error, or the stop button's KeyboardInterrupt) never passes for a
  whole one: every use of it raises one line that says so; ``capture_mlp`` returns nothing, so the
  name it was assigned to keeps its old value.
* ``run_up_to_layer`` gives layer L's neurons from the blocks up to L only, as a full pass gives them.
* Slow passes get a progress bar, fast ones none; its hooks go with it.
"""

from __future__ import annotations

import re
import time

import pytest
import torch

import lessonkit
from lessonkit import hooks
from lessonkit._machinery import mlp_sites
from lessonkit.hooks import RecordingInterrupted, capture_mlp, count_hooks, record_mlp, run_up_to_layer

from tiny_models import ids, tiny_gpt2, tiny_llama


def _stop_button_at(block: torch.nn.Module):
    """A pre-hook that raises KeyboardInterrupt (what the stop button raises) when ``block`` starts."""

    def press(module, args):
        raise KeyboardInterrupt

    return block.register_forward_pre_hook(press)


def _interrupted_recording(model, **kwargs):
    handle = _stop_button_at(model.transformer.h[2])
    try:
        with pytest.raises(KeyboardInterrupt), record_mlp(model, **kwargs) as acts:
            model(ids(5))
    finally:
        handle.remove()
    return acts


READS = {
    "acts[0]": lambda a: a[0],
    "len(acts)": len,
    "list(acts)": list,
    "0 in acts": lambda a: 0 in a,
    "acts.keys()": lambda a: a.keys(),
    "acts.values()": lambda a: a.values(),
    "acts.items()": lambda a: a.items(),
    "acts.get(0)": lambda a: a.get(0),
    "acts.copy()": lambda a: a.copy(),
    "dict(acts)": dict,
    "for layer in acts": lambda a: [layer for layer in a],
}


@pytest.mark.parametrize("read", READS.values(), ids=READS.keys())
def test_every_use_of_an_interrupted_recording_raises_one_clear_line(read):
    model = tiny_gpt2()
    acts = _interrupted_recording(model)
    with pytest.raises(RecordingInterrupted) as raised:
        read(acts)
    message = str(raised.value)
    assert "\n" not in message
    assert "interrupted (KeyboardInterrupt, 2 of 3 layers recorded)" in message
    assert message.endswith("run the cell that recorded them again")
    assert count_hooks(model) == 0


def test_an_interrupted_recording_can_still_be_shown_and_holds_no_tensors():
    acts = _interrupted_recording(tiny_gpt2(), progress=True)
    assert "the recording was interrupted" in repr(acts)  # a cell ending in `acts` shows why, without raising
    assert dict.__len__(acts) == 0  # the half-filled layers are let go (gpt2-medium: ~200 MB of them)


def test_an_error_in_the_block_also_marks_the_recording():
    model = tiny_gpt2()
    with pytest.raises(ZeroDivisionError), record_mlp(model) as acts:
        model(ids(5))
        1 / 0
    with pytest.raises(RecordingInterrupted, match=r"ZeroDivisionError, 3 of 3 layers"):
        acts[0]


def test_running_the_cell_again_gives_a_whole_recording_and_the_old_name_still_says_why():
    model = tiny_gpt2()
    recorder = record_mlp(model)
    handle = _stop_button_at(model.transformer.h[1])
    try:
        with pytest.raises(KeyboardInterrupt), recorder as interrupted:
            model(ids(5))
    finally:
        handle.remove()
    with recorder as acts:  # the cell run again, even with the same recorder
        model(ids(5))
    assert sorted(acts) == [0, 1, 2] and acts is not interrupted
    with pytest.raises(RecordingInterrupted):
        interrupted[0]


def test_a_whole_recording_reads_like_a_dict():
    model = tiny_gpt2()
    with record_mlp(model, layers=[0, 2]) as acts:
        model(ids(5))
    assert not acts.interrupted and len(acts) == 2 and 2 in acts and list(acts) == [0, 2]
    assert acts.get(1) is None and dict(acts).keys() == {0, 2} and acts.copy().keys() == {0, 2}


def test_an_interrupted_capture_returns_nothing_so_the_name_keeps_its_old_value():
    model = tiny_gpt2()
    acts = capture_mlp(model, ids(12), layers=2, chunk=4, progress=False)
    before = acts[2].clone()
    handle = _stop_button_at(model.transformer.h[1])
    try:
        with pytest.raises(KeyboardInterrupt):
            acts = capture_mlp(model, ids(12, seed=7), layers=2, chunk=4)  # the stop button, half-way
    finally:
        handle.remove()
    assert torch.equal(acts[2], before)
    assert count_hooks(model) == 0  # the recorder's, the stopping hook and the progress bar's: all gone


# ---------------------------------------------------------------- one layer, without the layers above it


def _block_runs(model, blocks):
    """Which blocks (and whether the output layer) ran: a list our own hooks fill; remove the handles after."""
    ran = []
    handles = [block.register_forward_hook(lambda m, i, o, n=n: ran.append(n)) for n, block in enumerate(blocks)]
    handles.append(model.lm_head.register_forward_hook(lambda m, i, o: ran.append("lm_head")))
    return ran, handles


@pytest.mark.parametrize("build, blocks", [(tiny_gpt2, lambda m: m.transformer.h), (tiny_llama, lambda m: m.model.layers)])
def test_run_up_to_layer_gives_the_full_passes_values_and_runs_nothing_above(build, blocks):
    model = build()
    with record_mlp(model) as full, torch.no_grad():
        model(ids(9))
    ran, handles = _block_runs(model, blocks(model))
    try:
        with record_mlp(model) as partial:
            assert run_up_to_layer(model, ids(9), 1) is None
    finally:
        for handle in handles:
            handle.remove()
    assert ran == [0, 1]  # block 2 and the output layer never ran
    assert not partial.interrupted and sorted(partial) == [0, 1]  # stopping on purpose is no interruption
    for layer in (0, 1):
        torch.testing.assert_close(partial[layer], full[layer], rtol=0, atol=0)
    assert count_hooks(model) == 0


def test_run_up_to_layer_with_the_lectures_own_hook():
    model = tiny_gpt2()
    kept = {}
    handle = model.transformer.h[1].mlp.register_forward_hook(
        lambda m, inputs, output: kept.update(layer_1=m.c_fc(inputs[0]).detach()))  # the lecture's recomputing hook
    try:
        run_up_to_layer(model, ids(6), -2)  # negative layers count from the end, as everywhere
    finally:
        handle.remove()
    with record_mlp(model, layers=1) as acts:
        model(ids(6))
    torch.testing.assert_close(kept["layer_1"][0], acts[1])
    assert count_hooks(model) == 0


@pytest.mark.parametrize("layer, error, message", [
    (3, ValueError, "out of range"), ([0, 1], TypeError, "one int"), (True, TypeError, "one int"),
])
def test_run_up_to_layer_rejects_bad_layers(layer, error, message):
    model = tiny_gpt2()
    with pytest.raises(error, match=message):
        run_up_to_layer(model, ids(4), layer)
    assert count_hooks(model) == 0


def test_the_new_names_are_exported():
    assert lessonkit.run_up_to_layer is hooks.run_up_to_layer


# ---------------------------------------------------------------- progress bars: for slow passes only


@pytest.fixture
def slow_blocks(monkeypatch):
    """A tiny model whose every block takes 60 ms, and a bar delay of 0.1 s (instead of two seconds)."""
    monkeypatch.setattr(mlp_sites, "PROGRESS_DELAY", 0.1)
    model = tiny_gpt2()
    handles = [block.register_forward_pre_hook(lambda m, a: time.sleep(0.06)) for block in model.transformer.h]
    yield model
    for handle in handles:
        handle.remove()


def test_a_slow_capture_shows_a_bar_that_counts_every_layer_of_every_pass(slow_blocks, capsys):
    capture_mlp(slow_blocks, ids(12), layers=1, chunk=4)  # 3 passes, blocks 0 and 1 each
    bar = capsys.readouterr().err
    assert "6/6" in bar and "12 tokens" in bar, bar
    assert count_hooks(slow_blocks) == 3  # only the fixture's own hooks are left


def test_a_slow_recording_shows_a_bar_and_a_second_pass_extends_it(slow_blocks, capsys):
    with record_mlp(slow_blocks, progress=True):
        slow_blocks(ids(4))
        slow_blocks(ids(4))
    bar = capsys.readouterr().err
    assert "6/6" in bar and "recording 3 layers" in bar, bar
    assert count_hooks(slow_blocks) == 3


def test_a_fast_pass_shows_no_bar(capsys):
    model = tiny_gpt2()
    capture_mlp(model, ids(12), chunk=4)
    with record_mlp(model, progress=True):
        model(ids(4))
    assert capsys.readouterr().err == ""


def bar_counts(text: str) -> list[tuple[int, int]]:
    """Every 'n/total' a tqdm bar drew, in order."""
    return [(int(n), int(total)) for n, total in re.findall(r"\| *(\d+)/(\d+) \[", text)]


def test_the_bars_announce_every_pass_and_never_count_past_their_total(slow_blocks, capsys):
    capture_mlp(slow_blocks, ids(12), layers=1, chunk=4)  # 3 passes x 2 blocks, announced at the start
    capture_bar = capsys.readouterr().err
    assert bar_counts(capture_bar) and {total for _, total in bar_counts(capture_bar)} == {6}, capture_bar
    assert "layer/s" in capture_bar or "s/layer" in capture_bar  # the bar counts layers
    with record_mlp(slow_blocks, progress=True):  # one pass announced; a second one extends the bar
        slow_blocks(ids(4))
        slow_blocks(ids(4))
    record_bar = capsys.readouterr().err
    counts = bar_counts(record_bar)
    assert counts[0][1] == 3 and counts[-1] == (6, 6) and all(n <= total for n, total in counts), record_bar


def test_a_slow_capture_told_not_to_show_a_bar_shows_none(slow_blocks, capsys):
    capture_mlp(slow_blocks, ids(12), layers=1, chunk=4, progress=False)
    assert capsys.readouterr().err == ""


def test_asking_for_the_cpu_on_the_cpu_records_the_same_values():
    model = tiny_gpt2()
    with record_mlp(model) as where_computed:
        model(ids(6))
    with record_mlp(model, device="cpu") as on_the_cpu:
        model(ids(6))
    captured = capture_mlp(model, ids(6), device="cpu")
    for layer in where_computed:
        assert on_the_cpu[layer].device.type == captured[layer].device.type == "cpu"
        torch.testing.assert_close(on_the_cpu[layer], where_computed[layer], rtol=0, atol=0)
        torch.testing.assert_close(captured[layer], where_computed[layer], rtol=0, atol=0)
