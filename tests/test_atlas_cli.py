"""``lessonkit scan`` end to end on SmolLM2: a complete report, its numbers against a hand-written hook,
scipy and statsmodels, an interrupted scan resumed, two processes under torchrun, and bad input."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import torch
from scipy import stats

import lessonkit
from lessonkit.__main__ import main

TOKENS, PASS = 384, 48  # 8 passes; with a held-out share of 0.25, passes 3 and 7 are held out
HELDOUT_PASSES = (3, 7)
SETTINGS = dict(model_name="smollm2-135m", layers="18", max_tokens=TOKENS, pass_tokens=PASS, top=2, heldout_share=0.25)
ARGS = ["--model", "smollm2-135m", "--layers", "18", "--max-tokens", str(TOKENS), "--pass-tokens", str(PASS),
        "--top", "2", "--heldout-share", "0.25", "--no-progress"]  # fmt: skip

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", autouse=True)
def one_torch_thread():
    """One thread: on two cores shared with other work, OpenMP threads spin-waiting for each other
    make a small model many times slower. The numbers do not depend on it (the 2-process test compares
    against processes that torchrun starts with one thread each)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def report(tmp_path_factory, wikitext_file) -> Path:
    """The report of the command line, written once for this module."""
    out = tmp_path_factory.mktemp("atlas") / "report"
    assert main(["scan", *ARGS, "--out", str(out)]) == 0
    return out


def run_in_own_group(command: list[str], timeout: float, **options) -> subprocess.CompletedProcess:
    """Run a command; on a timeout, stop it and every process it started (torchrun's workers too)."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True, **options)  # fmt: skip
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise
    return subprocess.CompletedProcess(command, process.returncode, out, err)


def read_pages(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((folder / "neurons").iterdir())}


# ---------------------------------------------------------------- a complete report


def test_the_report_is_complete_and_opens_without_a_network(report):
    record = json.loads((report / "atlas.json").read_text())
    assert record["complete"] and record["tokens"] == TOKENS and record["passes"] == TOKENS // PASS
    assert set(record["files"]) == {"figures", "neurons", "neurons.csv", "summary.md", "index.html"}
    assert not (report / "checkpoint").exists() and not list(report.glob(".staging*"))
    table = pd.read_csv(report / "neurons.csv")
    assert len(table) == 1536 and set(table.layer) == {18} and table.neuron.tolist() == list(range(1536))
    pages = list(report.glob("*.html")) + list((report / "neurons").glob("*.html"))
    assert len(pages) >= 3
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert "http://" not in text and "https://" not in text and "<script" not in text  # nothing to fetch
        for link in re.findall(r"(?:href|src)='([^']+)'", text):
            assert (page.parent / link).is_file(), f"{page.name} links to a missing {link}"
    assert (report / "figures" / "layer_profile.png").read_bytes()[:4] == b"\x89PNG"
    assert "| neuron |" in (report / "summary.md").read_text()


def test_the_numbers_equal_a_hand_written_hook_scipy_and_statsmodels(report, smollm2):
    """Every token fits in the reservoirs here, so each AUROC is over all tokens of its split."""
    from lessonkit.tagging import lecture_rule_loop

    model, tokenizer = smollm2
    ids = lessonkit.text.tokenize_rows(lessonkit.select_lecture_rows(lessonkit.load_wikitext_rows()), tokenizer)[0, :TOKENS]
    captured = []
    handle = model.model.layers[18].mlp.gate_proj.register_forward_hook(lambda m, args, out: captured.append(out[0].clone()))
    try:
        with torch.no_grad():
            for start in range(0, TOKENS, PASS):  # the lecture's passes: each a fresh forward pass
                model(ids[start : start + PASS].unsqueeze(0))
    finally:
        handle.remove()
    acts = torch.cat(captured).double().numpy()  # [512, 1536]
    proper = lecture_rule_loop(ids, tokenizer) == 1
    capital = np.array([tokenizer.decode([t]).strip()[:1].isupper() for t in ids.tolist()])
    heldout = np.isin(np.arange(TOKENS) // PASS, HELDOUT_PASSES)
    table = pd.read_csv(report / "neurons.csv")

    for name, rows in (("proper", proper), ("capitalised", capital & ~proper), ("other", ~capital & ~proper)):
        np.testing.assert_allclose(table[f"mean_{name}"], acts[rows].mean(0), atol=2e-5)
        np.testing.assert_allclose(table[f"sd_{name}"], acts[rows].std(0, ddof=1), atol=1e-4)
    np.testing.assert_allclose(table.max_activation, acts.max(0), rtol=1e-6)
    np.testing.assert_allclose(table.min_activation, acts.min(0), rtol=1e-6)

    def auroc(positive, negative, j):
        return stats.mannwhitneyu(acts[positive, j], acts[negative, j]).statistic / (positive.sum() * negative.sum())

    for j in (0, 123, 830, 1535):
        for prefix, split in (("", ~heldout), ("heldout_", heldout)):
            assert table[prefix + "auroc"][j] == pytest.approx(auroc(split & proper, split & ~proper, j), abs=1e-9)
            assert table[prefix + "capitalised_auroc"][j] == pytest.approx(
                auroc(split & proper & capital, split & capital & ~proper, j), abs=1e-9)

    # the regression: every training proper noun and as many other training tokens, those with the
    # smallest splitmix64 keys of their index (seed 0) -- statsmodels on exactly those tokens
    from test_atlas import reference_key

    nouns = np.flatnonzero(~heldout & proper)
    others = sorted(np.flatnonzero(~heldout & ~proper).tolist(), key=lambda i: (reference_key(i, 0), i))[: len(nouns)]
    y = np.r_[np.ones(len(nouns)), np.zeros(len(nouns))]
    for j in (123, 830):
        fit = sm.Logit(y, sm.add_constant(np.r_[acts[nouns, j], acts[others, j]])).fit(disp=0)
        assert table.beta[j] == pytest.approx(fit.params[1], rel=1e-5)
        assert table.pvalue[j] == pytest.approx(fit.pvalues[1], rel=1e-4)


def test_promoted_tokens_are_the_output_weights_times_the_unembedding(smollm2):
    from lessonkit.atlas.report import promoted_tokens

    model, tokenizer = smollm2
    column = model.model.layers[18].mlp.down_proj.weight[:, 123]  # what neuron 123 adds to the residual stream
    scores = model.lm_head.weight @ (column * model.model.norm.weight)  # through the final RMSNorm's gain
    promoted, suppressed = promoted_tokens(model, tokenizer, 18, 123)
    assert [t for t, _ in promoted] == [tokenizer.decode([i]) for i in scores.argsort(descending=True)[:10].tolist()]
    assert [t for t, _ in suppressed] == [tokenizer.decode([i]) for i in scores.argsort()[:10].tolist()]
    assert promoted[0][1] == pytest.approx(scores.max().item(), rel=1e-5)


# ---------------------------------------------------------------- interrupted, resumed


def test_an_interrupted_scan_resumes_to_the_same_report(report, smollm2, tmp_path, capsys):
    model, tokenizer = smollm2
    out = tmp_path / "interrupted"
    calls = []

    def interrupt_the_fifth_pass(module, args, kwargs):
        calls.append(1)
        if len(calls) == 5:
            raise KeyboardInterrupt  # as the stop button, or Ctrl-C

    handle = model.register_forward_pre_hook(interrupt_the_fifth_pass, with_kwargs=True)
    try:
        with pytest.raises(KeyboardInterrupt):
            lessonkit.scan_atlas(model, tokenizer, out, checkpoint_every=2, progress=False, **SETTINGS)
        assert lessonkit.count_hooks(model) == 1  # only this test's own hook is left
    finally:
        handle.remove()
    assert not (out / "atlas.json").exists() and not (out / "index.html").exists()  # does not look complete
    assert json.loads(str(np.load(out / "checkpoint" / "rank0-of-1.npz")["meta"]))["progress"]["next_pass"] == 4

    assert main(["scan", *ARGS, "--out", str(out)]) == 2  # without --resume: refused, nothing lost
    assert "already holds an interrupted scan; use --resume" in capsys.readouterr().err
    assert lessonkit.scan_atlas(model, tokenizer, out, resume=True, progress=False, **SETTINGS) == out
    assert (out / "neurons.csv").read_bytes() == (report / "neurons.csv").read_bytes()
    assert read_pages(out) == read_pages(report)
    assert lessonkit.count_hooks(model) == 0
    assert lessonkit.scan_atlas(model, tokenizer, out, resume=True, progress=False, **SETTINGS) == out  # done: no-op


def test_a_text_too_short_for_a_heldout_pass_still_gets_a_report(smollm2, tmp_path):
    model, tokenizer = smollm2
    settings = dict(SETTINGS, max_tokens=2 * PASS)  # passes 0 and 1: none held out
    out = lessonkit.scan_atlas(model, tokenizer, tmp_path / "short", progress=False, **settings)
    table = pd.read_csv(out / "neurons.csv")
    assert table.heldout_auroc.isna().all() and table.auroc.notna().all()
    assert "No held-out pass" in (out / "index.html").read_text() and len(list((out / "neurons").glob("*.html"))) >= 2


def test_a_crash_while_writing_the_report_leaves_nothing_that_looks_complete(smollm2, tmp_path, monkeypatch):
    from lessonkit.atlas import report as _atlas_report

    model, tokenizer = smollm2
    settings = dict(SETTINGS, max_tokens=2 * PASS)
    out = tmp_path / "crash"

    def broken_page(*args, **kwargs):
        raise OSError("disk full")

    with monkeypatch.context() as patch:
        patch.setattr(_atlas_report, "write_neuron_page", broken_page)
        with pytest.raises(OSError, match="disk full"):
            lessonkit.scan_atlas(model, tokenizer, out, progress=False, **settings)
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".staging")) == ["checkpoint"]
    assert lessonkit.scan_atlas(model, tokenizer, out, resume=True, progress=False, **settings) == out  # the passes are kept
    assert (out / "atlas.json").is_file() and (out / "index.html").is_file()
    assert not list(out.glob(".staging*")) and not (out / "checkpoint").exists()


def test_resume_refuses_other_settings(smollm2, tmp_path):
    model, tokenizer = smollm2
    out = tmp_path / "a"
    checkpoint = out / "checkpoint"
    checkpoint.mkdir(parents=True)
    from lessonkit.atlas.state import AtlasState

    state = AtlasState({18: 1536}, meta={"other": True})
    state.save(checkpoint / "rank0-of-1.npz")
    with pytest.raises(ValueError, match="other settings"):
        lessonkit.scan_atlas(model, tokenizer, out, resume=True, progress=False, **SETTINGS)


# ---------------------------------------------------------------- two processes


def test_two_processes_under_torchrun_write_the_same_report(report, tmp_path):
    out = tmp_path / "two"
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
               "-m", "lessonkit", "scan", *ARGS, "--out", str(out)]  # fmt: skip
    done = run_in_own_group(command, env=dict(os.environ, OMP_NUM_THREADS="1"), timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads((out / "atlas.json").read_text())["processes"] == 2
    assert (out / "neurons.csv").read_bytes() == (report / "neurons.csv").read_bytes()
    assert read_pages(out) == read_pages(report)  # the same top contexts, histograms, numbers


# ---------------------------------------------------------------- bad input


@pytest.fixture
def foreign_folder(tmp_path) -> Path:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    return folder


BAD = [
    (["--model", "gpt9"], "Unknown model name 'gpt9'"),
    (["--text", "no/such/rows.jsonl"], "no such file"),
    (["--layers", "1-x"], "--layers '1-x'"),
    (["--layers", "30"], "layers 0 to 29"),
    (["--max-tokens", "0"], "--max-tokens must be a positive"),
    (["--max-tokens", "ten"], "--max-tokens must be an integer"),
    (["--heldout-share", "1.5"], "--heldout-share must lie strictly between 0 and 1"),
    (["--rule", "magic"], "--rule must be one of"),
    (["--pass-tokens", "9000"], "context of 8192 tokens"),
]


@pytest.mark.parametrize("change, message", BAD, ids=[" ".join(c) for c, _ in BAD])
def test_bad_arguments_exit_2_with_one_line(change, message, tmp_path, capsys):
    options = dict(zip(ARGS[:-1:2], ARGS[1::2]))  # ARGS ends with the flag --no-progress
    options.update(zip(change[::2], change[1::2]))
    out = tmp_path / "out"
    assert main(["scan", *[x for pair in options.items() for x in pair], "--no-progress", "--out", str(out)]) == 2
    error = capsys.readouterr().err.strip().splitlines()
    assert error[-1].startswith("lessonkit scan: error: ") and message in error[-1], error
    assert not out.exists()  # nothing written


def test_bad_output_folders_exit_2(tmp_path, foreign_folder, capsys):
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    for out, message in ((a_file / "sub", "is a file"), (a_file, "is a file, not a folder"),
                         (foreign_folder, "not empty and holds no lessonkit atlas"),
                         (tmp_path / "new", "holds no interrupted scan")):  # fmt: skip
        extra = ["--resume"] if message.endswith("interrupted scan") else []
        assert main(["scan", *ARGS, "--out", str(out), *extra]) == 2
        assert message in capsys.readouterr().err
    assert [p.name for p in foreign_folder.iterdir()] == ["notes.txt"]  # untouched


def test_a_complete_report_is_kept_unless_overwrite(report, capsys):
    before = (report / "atlas.json").read_bytes()
    assert main(["scan", *ARGS, "--out", str(report)]) == 2
    assert "already holds a complete atlas" in capsys.readouterr().err
    assert (report / "atlas.json").read_bytes() == before


def test_the_installed_command_exits_2_with_one_line(tmp_path):
    script = Path(sys.executable).parent / "lessonkit"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "lessonkit"]
    done = subprocess.run([*command, "scan", "--max-tokens", "-5", "--out", str(tmp_path / "x")],
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == ["lessonkit scan: error: --max-tokens must be a positive number of tokens, got -5"]
