"""hooks: recorded neurons equal a manual computation; no hook is ever left behind; chunking is honest."""

from __future__ import annotations

import types

import pytest
import torch
import torch.nn.functional as F
from transformers import BertConfig, BertModel, GPT2Model

import lessonkit
from lessonkit import hooks
from lessonkit.hooks import capture_mlp, count_hooks, mlp_site_modules, record_mlp, remove_lessonkit_hooks

from tiny_models import VOCAB, ids, tiny_gpt2, tiny_llama, tiny_neox


# ---------------------------------------------------------------- a manual computation, from the MLP's norm input


def _blocks(model):
    base = model.base_model
    return base.h if hasattr(base, "h") else base.layers


def norm_inputs(model, tokens):
    """Run the model once; our own pre-hook on each MLP norm keeps x, the residual stream it normalises."""
    kept, handles = {}, []
    for i, block in enumerate(_blocks(model)):
        norm = block.ln_2 if hasattr(block, "ln_2") else block.post_attention_layernorm
        handles.append(norm.register_forward_pre_hook(lambda m, args, i=i: kept.__setitem__(i, args[0].detach())))
    try:
        with torch.no_grad():
            model(tokens)
    finally:
        for handle in handles:
            handle.remove()
    return kept


def manual_pre_post(model, layer, x):
    """The MLP's neurons computed by hand from its norm input x: (pre, post)."""
    block = _blocks(model)[layer]
    mlp = block.mlp
    if model.config.model_type == "gpt2":  # c_fc(ln_2(x)); Conv1D keeps its weight as [in, out]
        h = F.layer_norm(x, x.shape[-1:], block.ln_2.weight, block.ln_2.bias, block.ln_2.eps)
        pre = h @ mlp.c_fc.weight + mlp.c_fc.bias
        return pre, mlp.act(pre)
    if model.config.model_type == "gpt_neox":
        norm = block.post_attention_layernorm
        h = F.layer_norm(x, x.shape[-1:], norm.weight, norm.bias, norm.eps)
        pre = h @ mlp.dense_h_to_4h.weight.T + mlp.dense_h_to_4h.bias
        return pre, mlp.act(pre)
    norm = block.post_attention_layernorm  # Llama: RMSNorm, then act(gate) * up
    h = norm.weight * x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + norm.variance_epsilon)
    gate, up = h @ mlp.gate_proj.weight.T, h @ mlp.up_proj.weight.T
    return gate, mlp.act_fn(gate) * up


ARCHITECTURES = {
    "gpt2": tiny_gpt2,
    "gpt2-bare": lambda: tiny_gpt2(GPT2Model),
    "neox-parallel": lambda: tiny_neox(True),
    "neox-sequential": lambda: tiny_neox(False),
    "llama": tiny_llama,
}


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_pre_and_post_equal_a_manual_computation(arch):
    model = ARCHITECTURES[arch]()
    tokens = ids(12)
    x = norm_inputs(model, tokens)
    with record_mlp(model, site="pre") as pre, record_mlp(model, site="post") as post:
        model(tokens)  # gradients on: the stored copies must still be detached
    assert sorted(pre) == sorted(post) == [0, 1, 2]
    for layer in range(3):
        expected_pre, expected_post = manual_pre_post(model, layer, x[layer])
        for got, expected in ((pre[layer], expected_pre), (post[layer], expected_post)):
            assert expected.shape == (1, 12, expected.shape[-1])
            assert got.shape == (12, expected.shape[-1])  # [tokens, neurons]
            assert got.device.type == "cpu" and got.dtype == torch.float32 and not got.requires_grad
            torch.testing.assert_close(got, expected[0].detach(), rtol=1e-5, atol=1e-5)
        if model.config.model_type != "llama":  # "post" is the activation function applied to "pre"
            torch.testing.assert_close(post[layer], _blocks(model)[layer].mlp.act(pre[layer]))
    assert count_hooks(model) == 0


def test_recording_changes_nothing_and_keeps_only_the_chosen_layers():
    model = tiny_gpt2()
    tokens = ids(10)
    with torch.no_grad():
        plain = model(tokens).logits
        with record_mlp(model, layers=[2, 0]) as acts:
            hooked = model(tokens).logits
    assert torch.equal(plain, hooked)
    assert list(acts) == [0, 2]


def test_float16_storage_and_the_last_pass_wins():
    model = tiny_gpt2()
    with torch.no_grad(), record_mlp(model, layers=1, dtype=torch.float16) as half:
        model(ids(10, seed=1))
        model(ids(6, seed=2))  # replaces the first pass: nothing piles up
    with torch.no_grad(), record_mlp(model, layers=1) as full:
        model(ids(6, seed=2))
    assert half[1].dtype == torch.float16 and half[1].shape == (6, 128)
    torch.testing.assert_close(half[1].float(), full[1], rtol=1e-2, atol=1e-2)


def test_layers_int_list_and_negative():
    model = tiny_gpt2()
    assert list(mlp_site_modules(model, 1)) == [1]
    assert list(mlp_site_modules(model, [-1, 0, 2])) == [0, 2]  # -1 is the last layer, 2; kept once
    assert list(mlp_site_modules(model)) == [0, 1, 2]
    site = mlp_site_modules(model, -3, "post")[0]
    assert site.name == "transformer.h.0.mlp.c_proj" and site.take == "input"
    assert site.module is model.transformer.h[0].mlp.c_proj
    bare = mlp_site_modules(tiny_gpt2(GPT2Model), 2)[2]
    assert bare.name == "h.2.mlp.c_fc" and bare.take == "output"


def test_the_architecture_map():
    assert mlp_site_modules(tiny_neox(), 0)[0].name == "gpt_neox.layers.0.mlp.dense_h_to_4h"
    assert mlp_site_modules(tiny_neox(), 0, "post")[0].name == "gpt_neox.layers.0.mlp.dense_4h_to_h"
    llama = tiny_llama()
    assert mlp_site_modules(llama, 0)[0].module is llama.model.layers[0].mlp.gate_proj
    assert mlp_site_modules(llama, 0, "post")[0].module is llama.model.layers[0].mlp.down_proj


@pytest.mark.parametrize("bad", [3, -4, [0, 7], 100])
def test_layer_out_of_range_is_a_clear_error(bad):
    with pytest.raises(ValueError, match=r"out of range: this model has 3 layers \(0 to 2"):
        record_mlp(tiny_gpt2(), bad)


@pytest.mark.parametrize("bad", [True, "1", 1.5, [0, None]])
def test_layer_of_the_wrong_type_is_a_clear_error(bad):
    with pytest.raises(TypeError, match="layers must be None, an int or a list of ints"):
        mlp_site_modules(tiny_gpt2(), bad)


def test_other_bad_arguments():
    model = tiny_gpt2()
    with pytest.raises(ValueError, match="layers is empty"):
        record_mlp(model, [])
    with pytest.raises(ValueError, match="site must be 'pre'"):
        record_mlp(model, site="mid")
    with pytest.raises(TypeError, match="floating torch dtype"):
        record_mlp(model, dtype=torch.int8)
    assert count_hooks(model) == 0


def test_unsupported_architecture_names_what_is_supported():
    bert = BertModel(BertConfig(vocab_size=VOCAB, hidden_size=32, num_hidden_layers=1, num_attention_heads=4, intermediate_size=64))
    with pytest.raises(ValueError, match=r"BertModel \(model_type 'bert'\).*GPT-2.*GPT-NeoX.*Llama"):
        record_mlp(bert)
    with pytest.raises(ValueError, match="Supported"):
        capture_mlp(torch.nn.Linear(2, 2), [1, 2])
    with pytest.raises(TypeError, match="torch.nn.Module"):
        mlp_site_modules("gpt2")


# ---------------------------------------------------------------- hook counts: nothing leaks


def lecture_hook(module, inputs, output):
    """A hook that is not lessonkit's (as the lecture adds them)."""


@pytest.fixture
def model_with_own_hook():
    model = tiny_gpt2()
    model.transformer.h[0].mlp.register_forward_hook(lecture_hook)
    assert count_hooks(model) == 1 and count_hooks(model, lessonkit_only=True) == 0
    return model


def test_counts_normal_exit(model_with_own_hook):
    model = model_with_own_hook
    with record_mlp(model) as acts:
        # one hook per layer, and one input guard on the model
        assert count_hooks(model) == 5 and count_hooks(model, lessonkit_only=True) == 4
        model(ids(5))
    assert count_hooks(model) == 1 and count_hooks(model, lessonkit_only=True) == 0
    assert len(acts) == 3  # the values stay after the block


def test_counts_after_an_exception_inside_the_block(model_with_own_hook):
    model = model_with_own_hook
    with pytest.raises(ZeroDivisionError):
        with record_mlp(model, site="post"):
            model(ids(5))
            1 / 0
    assert count_hooks(model) == 1


def test_counts_after_a_keyboard_interrupt_inside_the_block(model_with_own_hook):
    model = model_with_own_hook
    with pytest.raises(KeyboardInterrupt):
        with record_mlp(model):
            raise KeyboardInterrupt  # the notebook's stop button
    assert count_hooks(model) == 1


def test_counts_after_a_keyboard_interrupt_in_the_middle_of_a_forward_pass(model_with_own_hook):
    model = model_with_own_hook

    def stop(module, args):
        raise KeyboardInterrupt

    handle = model.transformer.h[2].register_forward_pre_hook(stop)
    try:
        with pytest.raises(KeyboardInterrupt), record_mlp(model) as acts:
            model(ids(5))
    finally:
        handle.remove()
    assert acts.interrupted  # layer 2 never ran: the half-filled dict says so (see the tests below)
    assert count_hooks(model) == 1


def test_running_the_same_cell_twice_never_stacks(model_with_own_hook):
    model = model_with_own_hook

    def cell(seed):
        with record_mlp(model, layers=[0, 1]) as acts:
            inside = count_hooks(model, lessonkit_only=True)
            model(ids(5, seed=seed))
        return inside, acts

    first_count, first = cell(1)
    second_count, second = cell(2)
    assert first_count == second_count == 3  # two layers + the input guard
    assert count_hooks(model) == 1
    assert not torch.equal(first[0], second[0])


def test_a_recorder_can_be_reused_but_not_entered_twice_at_once(model_with_own_hook):
    model = model_with_own_hook
    recorder = record_mlp(model, layers=1)
    for seed in (1, 2):  # the same recorder in a cell re-run: fresh values, no extra hooks
        with recorder as acts:
            assert count_hooks(model, lessonkit_only=True) == 2  # layer 1 + the input guard
            model(ids(4, seed=seed))
        assert list(acts) == [1] and count_hooks(model) == 1
    with recorder as acts:
        with pytest.raises(RuntimeError, match="already recording"):
            with recorder:
                pass
        assert count_hooks(model, lessonkit_only=True) == 2
    assert count_hooks(model) == 1


def test_a_stranded_hook_is_cleared_by_remove_lessonkit_hooks(model_with_own_hook):
    model = model_with_own_hook
    stranded = record_mlp(model, layers=[0, 2])
    stranded.__enter__()  # entered by hand and never closed: the kernel is in a bad state
    record_mlp(model, site="post").__enter__()  # and once more, all layers
    assert count_hooks(model, lessonkit_only=True) == 7  # 2 + 3 layers, and 2 input guards
    with torch.no_grad():
        model(ids(5))  # the stranded hooks still fire
    assert remove_lessonkit_hooks(model) == 7
    assert count_hooks(model) == 1  # the model's own hook stays
    assert model.transformer.h[0].mlp._forward_hooks.popitem()[1] is lecture_hook
    stranded.__exit__(None, None, None)  # closing it late is harmless
    assert remove_lessonkit_hooks(model) == 0


def test_input_mistakes_get_clear_errors_and_leave_no_hook():
    model = tiny_gpt2()
    context = model.config.n_positions
    with record_mlp(model, layers=0) as acts:
        with pytest.raises(ValueError, match=r"2-D batch \[1, n\]"):
            model(torch.zeros(5, dtype=torch.long))  # the lecture's 1-D input
        with pytest.raises(ValueError, match=f"at most {context}"):
            model(torch.zeros(1, context + 1, dtype=torch.long))
        with pytest.raises(ValueError, match=r"2-D batch \[1, n\]"):
            model(input_ids=torch.zeros(5, dtype=torch.long))  # the same, by keyword
        model(input_ids=torch.zeros(1, context, dtype=torch.long))  # the full context is fine
    assert acts[0].shape[0] == context and count_hooks(model) == 0
    assert repr(acts).startswith("MlpActivations(site='pre', {0: [16, 128]")
    with record_mlp(model, layers=1, site="post") as post:
        model(input_ids=torch.zeros(1, 3, dtype=torch.long))
    assert repr(post) == "MlpActivations(site='post', {1: [3, 128] float32})"


def test_the_lectures_leak_is_visible():
    model = tiny_gpt2()
    for _run in range(2):  # the lecture's cell, run twice
        for block in model.transformer.h:
            block.mlp.register_forward_hook(lecture_hook)
    assert count_hooks(model) == 6 and count_hooks(model, lessonkit_only=True) == 0
    assert remove_lessonkit_hooks(model) == 0


# ---------------------------------------------------------------- capture_mlp: long streams in chunks


def forward_calls(model):
    """A list that grows by one length per forward pass of the model (our own hook; remove it after)."""
    calls = []
    handle = model.register_forward_pre_hook(lambda m, args, kwargs: calls.append(kwargs["input_ids"].shape), with_kwargs=True)
    return calls, handle


def test_capture_in_chunks_equals_each_chunk_run_separately():
    model = tiny_gpt2()
    stream = ids(40)[0]
    calls, handle = forward_calls(model)
    try:
        got = capture_mlp(model, stream, [0, 2], site="post", progress=False)  # default chunk: the context, 16
    finally:
        handle.remove()
    assert calls == [(1, 16), (1, 16), (1, 8)]  # always a 2-D batch
    assert list(got) == [0, 2] and got[0].shape == got[2].shape == (40, 128)
    for start in (0, 16, 32):
        with torch.no_grad(), record_mlp(model, [0, 2], site="post") as acts:
            model(stream[start : start + 16].unsqueeze(0))
        for layer in (0, 2):
            torch.testing.assert_close(got[layer][start : start + 16], acts[layer])
    assert count_hooks(model) == 0


def test_chunking_restarts_the_context():
    """Token 17 with chunk=16 gets the activations of a text that starts there."""
    model = tiny_gpt2()
    stream = ids(20)[0]
    chunked = capture_mlp(model, stream, 1, chunk=16, progress=False)[1]
    fresh = capture_mlp(model, stream[16:], 1, progress=False)[1]
    in_context = capture_mlp(model, stream[4:], 1, progress=False)[1]  # token 19 after 15 others
    torch.testing.assert_close(chunked[16:], fresh)
    assert not torch.allclose(chunked[19], in_context[-1])


def test_capture_stops_after_the_last_recorded_layer():
    model, calls = tiny_gpt2(), []
    handles = [model.transformer.h[2].attn.register_forward_hook(lambda *a: calls.append("block 2")),
               model.lm_head.register_forward_hook(lambda *a: calls.append("lm_head"))]
    try:
        early = capture_mlp(model, ids(20)[0], layers=[0, 1], site="post", progress=False)
        assert calls == []  # nothing above layer 1 ran
        full = capture_mlp(model, ids(20)[0], layers=[1, 2], site="post", progress=False)
        assert calls == ["block 2"] * 2  # two passes of 16 and 4 tokens reach block 2; no output layer
    finally:
        for handle in handles:
            handle.remove()
    torch.testing.assert_close(early[1], full[1])
    assert count_hooks(model) == 0


def test_a_batch_of_sequences_gives_their_rows_one_after_another():
    model = tiny_gpt2()
    batch = torch.cat([ids(5, seed=1), ids(5, seed=2)])  # [2, 5]
    with torch.no_grad(), record_mlp(model, layers=0) as both:
        model(batch)
    for row in range(2):
        with torch.no_grad(), record_mlp(model, layers=0) as one:
            model(batch[row : row + 1])
        torch.testing.assert_close(both[0][5 * row : 5 * row + 5], one[0])
    assert both[0].shape == (10, 128)


@pytest.mark.slow
def test_capture_runs_the_lectures_1024_token_passes_on_a_long_context_model(smollm2):
    model, _ = smollm2
    assert model.config.max_position_embeddings > 1024  # SmolLM2 could read 8,192 tokens at once
    calls, handle = forward_calls(model)
    try:
        capture_mlp(model, torch.arange(1500) % 1000 + 10, layers=0, progress=False)
    finally:
        handle.remove()
    assert calls == [(1, 1024), (1, 476)]


def test_capture_shapes_for_a_llama_stream_and_float16():
    model = tiny_llama()  # context: max_position_embeddings = 64
    calls, handle = forward_calls(model)
    try:
        got = capture_mlp(model, ids(150)[0].tolist(), site="pre", dtype=torch.float16, progress=False)
    finally:
        handle.remove()
    assert [c[1] for c in calls] == [64, 64, 22]
    assert sorted(got) == [0, 1, 2]
    for values in got.values():
        assert values.shape == (150, 48) and values.dtype == torch.float16
        assert values.device.type == "cpu" and not torch.is_inference(values)


def test_capture_accepts_one_stream_in_any_of_its_shapes():
    model = tiny_neox()
    tokens = ids(30)
    a = capture_mlp(model, tokens, 0, chunk=7, progress=False)[0]
    b = capture_mlp(model, tokens[0], 0, chunk=7, progress=False)[0]
    c = capture_mlp(model, tokens[0].tolist(), 0, chunk=7, progress=False)[0]
    assert torch.equal(a, b) and torch.equal(a, c) and a.shape == (30, 64)


@pytest.mark.parametrize(
    "tokens, error, message",
    [
        (torch.zeros(2, 5, dtype=torch.long), ValueError, "one stream"),
        (torch.zeros(5), TypeError, "integer token ids"),
        (torch.zeros(0, dtype=torch.long), ValueError, "empty"),
        (torch.tensor([True, False]), TypeError, "integer token ids"),  # a mask, not ids
        ({"input_ids": torch.zeros(1, 5, dtype=torch.long)}, TypeError, r"tokens\['input_ids'\]"),
    ],
)
def test_capture_rejects_bad_tokens(tokens, error, message):
    with pytest.raises(error, match=message):
        capture_mlp(tiny_gpt2(), tokens, progress=False)


@pytest.mark.parametrize("chunk, message", [(17, "longer than the model's context of 16"), (0, "positive"), (2.5, "positive")])
def test_capture_rejects_bad_chunks(chunk, message):
    with pytest.raises(ValueError, match=message):
        capture_mlp(tiny_gpt2(), ids(5), chunk=chunk, progress=False)


def test_one_token_a_pass_is_allowed_and_honest():
    model, tokens = tiny_gpt2(), ids(4)
    alone = capture_mlp(model, tokens, 0, chunk=1, progress=False)[0]
    for i in range(4):  # each token as a text of its own
        with record_mlp(model, layers=0) as acts:
            model(tokens[:, i : i + 1])
        torch.testing.assert_close(alone[i : i + 1], acts[0])


class HandMadeGPT2(torch.nn.Module):
    """A model built without transformers: GPT-2's layout and config.model_type, and nothing else (no
    .device, no base_model_prefix, no context length in its config)."""

    def __init__(self):
        super().__init__()
        self.config = types.SimpleNamespace(model_type="gpt2")
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(0)
            self.embed = torch.nn.Embedding(VOCAB, 8)
            self.transformer = torch.nn.Module()
            self.transformer.h = torch.nn.ModuleList()
            for _ in range(2):
                block = torch.nn.Module()
                block.mlp = torch.nn.Module()
                block.mlp.c_fc, block.mlp.c_proj = torch.nn.Linear(8, 16), torch.nn.Linear(16, 8)
                self.transformer.h.append(block)
        self.eval()

    def forward(self, input_ids, use_cache=False):
        x = self.embed(input_ids)
        for block in self.transformer.h:
            x = x + block.mlp.c_proj(torch.relu(block.mlp.c_fc(x)))
        return x


def test_a_model_with_only_the_layout_is_recorded_in_the_lectures_passes():
    model, tokens = HandMadeGPT2(), ids(1500)[0]
    calls, handle = forward_calls(model)
    try:
        acts = capture_mlp(model, tokens, layers=1, progress=False)
    finally:
        handle.remove()
    assert [shape[1] for shape in calls] == [1024, 476]  # no context length: the lecture's 1,024-token passes
    with torch.no_grad():
        x = model.embed(tokens)
        x = x + model.transformer.h[0].mlp.c_proj(torch.relu(model.transformer.h[0].mlp.c_fc(x)))
        torch.testing.assert_close(acts[1], model.transformer.h[1].mlp.c_fc(x))
    assert count_hooks(model) == 0


def test_capture_leaves_no_hook_when_the_model_fails():
    model = tiny_gpt2()
    with pytest.raises(IndexError):
        capture_mlp(model, torch.tensor([1, 2, VOCAB + 5]), progress=False)  # an id outside the vocabulary
    assert count_hooks(model) == 0


def test_capture_warns_about_training_mode():
    model = tiny_gpt2().train()
    with pytest.warns(UserWarning, match="model.eval"):
        capture_mlp(model, ids(5), 0, progress=False)


def test_repr_shows_shapes_not_numbers():
    got = capture_mlp(tiny_gpt2(), ids(5), [0, 1], progress=False)
    assert repr(got) == "MlpActivations(site='pre', {0: [5, 128] float32, 1: [5, 128] float32})"


def test_names_are_exported():
    for name in ("record_mlp", "capture_mlp", "remove_lessonkit_hooks", "count_hooks", "mlp_site_modules"):
        assert getattr(lessonkit, name) is getattr(hooks, name)


# ---------------------------------------------------------------- real models and devices


@pytest.mark.slow
def test_smollm2_pre_and_post_equal_a_manual_computation(smollm2):
    model, tokenizer = smollm2
    tokens = tokenizer("The river Thames flows through London.", return_tensors="pt")["input_ids"]
    x = norm_inputs(model, tokens)
    layers = [0, 15, -1]
    with record_mlp(model, layers) as pre, record_mlp(model, layers, site="post") as post, torch.no_grad():
        model(tokens)
    assert sorted(pre) == sorted(post) == [0, 15, 29]
    for layer in pre:
        expected_pre, expected_post = manual_pre_post(model, layer, x[layer])
        assert pre[layer].shape == (tokens.shape[1], 1536)
        torch.testing.assert_close(pre[layer], expected_pre[0], rtol=1e-4, atol=1e-4)
        torch.testing.assert_close(post[layer], expected_post[0], rtol=1e-4, atol=1e-4)
    assert count_hooks(model) == 0


def recorded_beside_the_modules_output(model, tokens, record):
    """``record(model, tokens)``'s activations of layer 1, and what layer 1's module itself returned."""
    module = mlp_site_modules(model, 1)[1].module
    seen = []
    handle = module.register_forward_hook(lambda m, inputs, output: seen.append(output))
    try:
        acts = record(model, tokens)
    finally:
        handle.remove()
    return acts, seen[0]


def record_layer_1(model, tokens):
    with torch.no_grad(), record_mlp(model, layers=1) as acts:
        model(tokens)
    return acts


def test_on_the_cpu_the_recorded_values_are_the_modules_own_output_not_a_copy():
    acts, output = recorded_beside_the_modules_output(tiny_gpt2(), ids(9), record_layer_1)
    assert acts[1].data_ptr() == output.data_ptr()  # nothing copied, nothing moved
    assert acts[1].device.type == "cpu"


def test_a_capture_of_one_pass_is_the_modules_own_output_an_ordinary_tensor():
    acts, output = recorded_beside_the_modules_output(
        tiny_gpt2(), ids(9), lambda model, tokens: capture_mlp(model, tokens, 1, progress=False))
    assert acts[1].data_ptr() == output.data_ptr()  # one pass: nothing copied
    assert not torch.is_inference(acts[1]) and not acts[1].requires_grad
    acts[1][0] = 0.0  # an ordinary tensor: a student may write into it


@pytest.mark.parametrize("where", ["record", "capture"])
def test_device_keeps_the_activations_there(where):
    # "meta" stands in for a second device here: values moved there keep their shape and dtype only
    model, tokens = tiny_llama(), ids(20)
    if where == "record":
        with torch.no_grad(), record_mlp(model, [0, 2], dtype=torch.float16, device="meta") as acts:
            model(tokens)
    else:
        acts = capture_mlp(model, tokens, [0, 2], dtype=torch.float16, chunk=7, device="meta", progress=False)
    assert sorted(acts) == [0, 2]
    for values in acts.values():
        assert values.device.type == "meta" and values.shape == (20, 48) and values.dtype == torch.float16
    assert repr(acts).startswith("MlpActivations(site='pre', on meta, {0: [20, 48] float16")
    assert count_hooks(model) == 0


def test_cpu_gives_every_layer_on_the_cpu_sharing_what_is_there_already():
    model = tiny_gpt2()
    acts = capture_mlp(model, ids(12), [0, 2], progress=False)
    on_cpu = acts.cpu()
    assert isinstance(on_cpu, hooks.MlpActivations) and on_cpu.site == "pre" and sorted(on_cpu) == [0, 2]
    for layer in (0, 2):
        assert on_cpu[layer] is acts[layer]  # already on the CPU: no copy


@pytest.mark.parametrize("device", ["gpu", 3.5])
def test_a_bad_device_is_one_clear_line_and_adds_no_hook(device):
    model = tiny_gpt2()
    with pytest.raises(ValueError, match="device must be None"):
        record_mlp(model, device=device)
    with pytest.raises(ValueError, match="device must be None"):
        capture_mlp(model, ids(5), device=device, progress=False)
    assert count_hooks(model) == 0


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_capture_on_the_gpu_stays_on_the_gpu_and_equals_the_cpu_run():
    model = tiny_gpt2()
    stream = ids(40)[0]
    on_cpu = capture_mlp(model, stream, progress=False)
    on_gpu = capture_mlp(model.to("cuda"), stream.to("cuda"), progress=False)
    copied = capture_mlp(model, stream, progress=False, device="cpu")
    for layer, values in on_gpu.items():
        assert values.device.type == "cuda" and copied[layer].device.type == "cpu"
        torch.testing.assert_close(values.cpu(), on_cpu[layer], rtol=1e-3, atol=1e-3)
        torch.testing.assert_close(copied[layer], on_cpu[layer], rtol=1e-3, atol=1e-3)
    assert count_hooks(model) == 0


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_on_the_gpu_the_recorded_values_are_the_modules_own_output():
    acts, output = recorded_beside_the_modules_output(tiny_gpt2().to("cuda"), ids(9).to("cuda"), record_layer_1)
    assert acts[1].is_cuda and acts[1].data_ptr() == output.data_ptr()  # no copy during the pass


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
@pytest.mark.parametrize("dtype", [torch.float32, torch.float16])
def test_recording_to_the_cpu_from_the_gpu_is_complete_when_the_forward_pass_returns(dtype):
    model = tiny_llama()
    tokens = ids(30)
    with torch.no_grad(), record_mlp(model, [0, 2], site="post", dtype=dtype) as expected:
        model(tokens)
    model.to("cuda")
    with torch.no_grad(), record_mlp(model, [0, 2], site="post", dtype=dtype, device="cpu") as acts:
        model(tokens.to("cuda"))
        inside = {layer: values.clone() for layer, values in acts.items()}  # read before the block ends
    for layer in (0, 2):
        assert inside[layer].device.type == "cpu" and inside[layer].dtype == dtype
        torch.testing.assert_close(inside[layer], expected[layer], rtol=2e-3, atol=2e-3)
    assert count_hooks(model) == 0
