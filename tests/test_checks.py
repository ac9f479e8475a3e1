"""The exercise checks: right answers pass, typical mistakes fail with the matching hint."""

from __future__ import annotations

import numpy as np
import pytest

from lessonkit import checks
from lessonkit.regression import auroc
from lessonkit.tagging import lecture_rule_loop


class TextTokenizer:
    """A tokenizer whose ids are positions in a list of texts (enough for the lecture's loop)."""

    def __init__(self, texts):
        self.texts = texts

    def decode(self, ids):
        return "".join(self.texts[i] for i in ids)

    def __len__(self):
        return len(self.texts)


def lecture_rule_on_texts(texts):
    return lecture_rule_loop(np.arange(len(texts)), TextTokenizer(texts))


@pytest.mark.parametrize("texts, expected, hint", checks.LECTURE_RULE_CASES)
def test_every_case_agrees_with_the_lectures_own_loop(texts, expected, hint):
    assert lecture_rule_on_texts(texts).tolist() == expected


@pytest.fixture
def strict(monkeypatch):
    monkeypatch.setenv("LESSONKIT_STRICT_CHECKS", "1")


def test_a_right_answer_passes_in_one_line(capsys, strict):
    assert checks.check_lecture_rule(lecture_rule_on_texts) is None  # nothing to echo in a notebook
    checks.check_bonferroni(lambda p, alpha: np.asarray(p) < alpha / len(p))
    checks.check_auroc(lambda x, y: auroc(np.asarray(x)[:, None], y)[0])
    lines = capsys.readouterr().out.splitlines()
    assert lines == ["\u2714 check_lecture_rule: passed.", "\u2714 check_bonferroni: passed.", "\u2714 check_auroc: passed."]


def test_not_done_yet_is_not_an_error_even_when_strict(capsys, strict):
    def stub(*args):
        raise NotImplementedError

    assert checks.check_lecture_rule(stub) is None
    (line,) = capsys.readouterr().out.splitlines()
    assert "not done yet" in line


def test_a_mistake_is_one_line_with_its_hint_and_no_error(capsys, monkeypatch):
    monkeypatch.delenv("LESSONKIT_STRICT_CHECKS", raising=False)
    checks.check_bonferroni(lambda p, alpha: np.asarray(p) < alpha)  # a student's notebook: no traceback
    (line,) = capsys.readouterr().out.splitlines()
    assert line.startswith("\u2718 check_bonferroni:") and "divides alpha" in line


def test_a_crash_in_the_students_function_is_one_line_too(capsys, monkeypatch):
    monkeypatch.delenv("LESSONKIT_STRICT_CHECKS", raising=False)
    checks.check_auroc(lambda x, y: x.no_such_attribute)
    (line,) = capsys.readouterr().out.splitlines()
    assert "your function raised AttributeError" in line


def test_in_a_notebook_the_line_is_html(monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.get_ipython", lambda: object())
    monkeypatch.setattr("IPython.display.display", lambda data, raw: shown.append(data))
    checks.check_bonferroni(lambda p, alpha: np.asarray(p) < alpha / len(p))
    (data,) = shown
    assert data["text/plain"] == "\u2714 check_bonferroni: passed."
    assert data["text/html"].count("<div") == 1 and "check_bonferroni: passed." in data["text/html"]


def test_typical_mistakes_get_their_hint(strict):
    def strips_before_measuring(texts):
        return [int(i > 0 and len(t.strip()) > 2 and t.strip()[:1].isupper() and not texts[i - 1].endswith((".", "!", "?", ":")))
                for i, t in enumerate(texts)]

    with pytest.raises(checks.CheckFailed, match="leading space"):
        checks.check_lecture_rule(strips_before_measuring)
    with pytest.raises(checks.CheckFailed, match="divides alpha"):
        checks.check_bonferroni(lambda p, alpha: np.asarray(p) < alpha)
    with pytest.raises(checks.CheckFailed, match="strict"):
        checks.check_bonferroni(lambda p, alpha: np.asarray(p) <= alpha / len(p))

    def ignores_ties(x, y):
        x, y = np.asarray(x), np.asarray(y)
        return float(np.mean([a > b for a in x[y == 1] for b in x[y == 0]]))

    with pytest.raises(checks.CheckFailed, match="tie"):
        checks.check_auroc(ignores_ties)


def test_heldout_choice_check(capsys, strict):
    rng = np.random.default_rng(1)
    y_train, y_held = (rng.random(400) < 0.3).astype(int), (rng.random(400) < 0.3).astype(int)
    x_train, x_held = rng.normal(size=(400, 20)), rng.normal(size=(400, 20))
    x_train[:, 7] += 2 * y_train
    x_held[:, 7] += 2 * y_held

    def right(train_x, train_y, heldout_x, heldout_y):
        return 7, float(auroc(heldout_x[:, [7]], heldout_y)[0])

    checks.check_heldout_choice(right, x_train, y_train, x_held, y_held)
    assert "passed" in capsys.readouterr().out
    with pytest.raises(checks.CheckFailed, match="Expected neuron 7"):
        checks.check_heldout_choice(lambda *a: (3, 0.5), x_train, y_train, x_held, y_held)
    with pytest.raises(checks.CheckFailed, match="ALL held-out tokens"):
        checks.check_heldout_choice(lambda *a: (7, 0.5), x_train, y_train, x_held, y_held)
