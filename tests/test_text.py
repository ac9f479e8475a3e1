"""The lecture's text selection: counts, sources in order, and errors."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

import lessonkit
from lessonkit import text


def test_lecture_selection_is_11524_gpt2_tokens(wikitext_file, gpt2_tokenizer, monkeypatch):
    monkeypatch.setenv("LESSONKIT_WIKITEXT", str(wikitext_file))
    tokens = lessonkit.load_wikitext_tokens(gpt2_tokenizer)
    assert tokens.shape == (1, 11524) and tokens.dtype == torch.long
    rows = text.select_lecture_rows(text.read_jsonl_rows(wikitext_file))
    assert len(rows) == 79  # of the first 200 rows, those longer than 50 characters
    # concatenated in order: the stream starts with the first selected row's tokens
    first = gpt2_tokenizer(rows[0])["input_ids"]
    assert tokens[0, : len(first)].tolist() == first


def test_selection_rule_is_the_lectures():
    rows = ["", "x" * 51, "y" * 50, " = Title = \n", "z" * 60, "w" * 70]
    assert text.select_lecture_rows(rows, n_rows=5, min_chars=50) == ["x" * 51, "z" * 60]


def test_empty_selection_is_a_clear_error():
    with pytest.raises(ValueError, match="longer than 50"):
        text.select_lecture_rows(["short", ""], n_rows=200)
    with pytest.raises(ValueError, match="n_rows"):
        text.select_lecture_rows(["x" * 80], n_rows=0)


def test_file_source_comes_first(tmp_path, monkeypatch, gpt2_tokenizer):
    path = tmp_path / "rows.jsonl"
    path.write_text("\n".join(json.dumps({"text": t}) for t in ["", " A line that is long enough to be kept by the lecture rule.\n"]))
    monkeypatch.setenv("LESSONKIT_WIKITEXT", str(path))
    monkeypatch.setattr(text, "hub_reachable", pytest.fail)  # a named file needs no network
    assert text.wikitext_source() == "file"
    tokens = lessonkit.load_wikitext_tokens(gpt2_tokenizer)
    assert gpt2_tokenizer.decode(tokens[0]) == " A line that is long enough to be kept by the lecture rule.\n"


def test_missing_file_is_a_clear_error(tmp_path, monkeypatch, gpt2_tokenizer):
    monkeypatch.setenv("LESSONKIT_WIKITEXT", str(tmp_path / "nope.jsonl"))
    with pytest.raises(FileNotFoundError, match="LESSONKIT_WIKITEXT"):
        lessonkit.load_wikitext_tokens(gpt2_tokenizer)


def test_offline_without_file_falls_back_to_the_bundled_corpus(monkeypatch, capsys, gpt2_tokenizer, tmp_path):
    monkeypatch.delenv("LESSONKIT_WIKITEXT", raising=False)
    monkeypatch.setenv("LESSONKIT_CACHE", str(tmp_path))  # an empty cache
    monkeypatch.setattr(text, "hub_reachable", lambda: False)
    tokens = lessonkit.load_wikitext_tokens(gpt2_tokenizer)
    assert "FALLBACK" in capsys.readouterr().err
    assert tokens.shape[1] >= 2 * 1024 + 50, "the lecture needs two 1,024-token batches"


def test_bundled_corpus_is_encyclopedia_sized():
    rows = lessonkit.load_bundled_corpus()
    words = sum(len(row.split()) for row in rows)
    assert words >= 4000
    assert all(row == "" or row.endswith("\n") for row in rows), "WikiText's row format"


@pytest.mark.slow
def test_smollm2_tokenizes_the_selection_without_special_tokens(smollm2, wikitext_file, monkeypatch):
    _, tokenizer = smollm2
    monkeypatch.setenv("LESSONKIT_WIKITEXT", str(wikitext_file))
    tokens = lessonkit.load_wikitext_tokens(tokenizer)
    assert tokens.shape[1] > 2 * 1024
    assert set(tokenizer.all_special_ids).isdisjoint(tokens[0].tolist())


def test_a_checked_copy_in_the_cache_serves_offline_runs(wikitext_file, gpt2_tokenizer, monkeypatch, tmp_path, capsys):
    monkeypatch.delenv("LESSONKIT_WIKITEXT", raising=False)
    monkeypatch.setenv("LESSONKIT_CACHE", str(tmp_path))
    monkeypatch.setattr(text, "hub_reachable", pytest.fail)  # a cached copy needs no network
    from lessonkit.__main__ import main

    assert main(["add-wikitext", str(wikitext_file)]) == 0
    assert text.wikitext_source() == "cache"
    assert lessonkit.load_wikitext_tokens(gpt2_tokenizer).shape == (1, 11524)
    assert "FALLBACK" not in capsys.readouterr().err


def test_a_wrong_file_is_not_cached(tmp_path, monkeypatch):
    from lessonkit.assets import AssetError

    monkeypatch.setenv("LESSONKIT_CACHE", str(tmp_path / "cache"))
    wrong = tmp_path / "rows.jsonl"
    wrong.write_text(json.dumps({"text": "not WikiText\n"}) + "\n")
    with pytest.raises(AssetError, match="Checksum mismatch"):
        text.add_wikitext(wrong)
    assert not text.cached_wikitext().exists()


def test_rows_from_the_hub_are_kept_for_the_next_offline_run(monkeypatch, tmp_path):
    monkeypatch.delenv("LESSONKIT_WIKITEXT", raising=False)
    monkeypatch.setenv("LESSONKIT_CACHE", str(tmp_path))
    rows = ["", " = Title = \n", ' A row with "quotes" and \\ backslashes, long enough.\n']
    monkeypatch.setattr(text, "hub_reachable", lambda: True)
    monkeypatch.setattr(text, "_load_from_hub", lambda split: list(rows))
    assert text.load_wikitext_rows() == rows
    monkeypatch.setattr(text, "hub_reachable", pytest.fail)
    assert text.wikitext_source() == "cache" and text.load_wikitext_rows() == rows


def test_articles_of_the_lecture_stream_and_a_held_out_text_from_new_articles(wikitext_file, gpt2_tokenizer, monkeypatch):
    monkeypatch.setenv("LESSONKIT_WIKITEXT", str(wikitext_file))
    tokens = lessonkit.load_wikitext_tokens(gpt2_tokenizer)[0].numpy()
    article, titles = lessonkit.wikitext_articles(gpt2_tokenizer)
    assert len(article) == len(tokens) and (np.diff(article) >= 0).all()
    assert titles == ["Robert Boulter", "Du Fu", "Kiss You ( One Direction song )", "Ise @-@ class battleship"]
    first_du_fu_row = next(row for row in text.read_jsonl_rows(wikitext_file)[:200] if row.startswith(" Du Fu"))
    start = int(np.argmax(article == 1))  # where the tokens of article 1 begin: the row after its heading
    assert tokens[start : start + 5].tolist() == gpt2_tokenizer(first_du_fu_row)["input_ids"][:5]
    train, held = lessonkit.split_by_article(article, 1024)
    assert (train, held) == (slice(0, 1024), slice(start, len(tokens)))
    assert start > 1024  # the rest of Robert Boulter is in neither part
    windows = {tuple(tokens[i : i + 12]) for i in range(0, 1024 - 11)}
    assert not any(tuple(tokens[i : i + 12]) in windows for i in range(start, len(tokens) - 11))


def test_articles_from_rows_written_here(tmp_path, monkeypatch, gpt2_tokenizer):
    rows = ["", " = First = \n", " " + "one " * 20 + "\n", " = = A section = = \n", " " + "two " * 20 + "\n",
            " = Second = \n", " " + "three " * 20 + "\n", "short\n", " " + "four " * 20 + "\n"]
    path = tmp_path / "rows.jsonl"
    path.write_text("\n".join(json.dumps({"text": row}) for row in rows))
    monkeypatch.setenv("LESSONKIT_WIKITEXT", str(path))
    article, titles = lessonkit.wikitext_articles(gpt2_tokenizer, min_chars=30)
    sizes = [len(gpt2_tokenizer(row)["input_ids"]) for row in rows if len(row) > 30]
    assert titles == ["First", "Second"]
    assert article.tolist() == [0] * (sizes[0] + sizes[1]) + [1] * (sizes[2] + sizes[3])
    assert lessonkit.split_by_article(article, 3) == (slice(0, 3), slice(sizes[0] + sizes[1], len(article)))
    with pytest.raises(ValueError, match="no article is left"):
        lessonkit.split_by_article(article, sizes[0] + sizes[1] + 1)
    with pytest.raises(ValueError, match="n_train"):
        lessonkit.split_by_article(article, 0)
    path.write_text("\n".join(json.dumps({"text": row}) for row in [" " + "before " * 20 + "\n"] + rows))
    article, titles = lessonkit.wikitext_articles(gpt2_tokenizer, min_chars=30)
    assert titles[0] == "(before the first heading)" and article[0] == 0 and article.max() == 2
