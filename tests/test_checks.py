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


def test_a_right_answer_passes(capsys):
    assert checks.check_lecture_rule(lecture_rule_on_texts) is True
    assert checks.check_bonferroni(lambda p, alpha: np.asarray(p) < alpha / len(p)) is True
    assert checks.check_auroc(lambda x, y: auroc(np.asarray(x)[:, None], y)[0]) is True
    assert capsys.readouterr().out.count("passed") == 3


def test_not_done_yet_is_not_an_error(capsys):
    def stub(*args):
        raise NotImplementedError

    assert checks.check_lecture_rule(stub) is None
    assert "not done yet" in capsys.readouterr().out


def test_typical_mistakes_get_their_hint():
    def strips_before_measuring(texts):
        return [int(i > 0 and len(t.strip()) > 2 and t.strip()[:1].isupper() and not texts[i - 1].endswith((".", "!", "?", ":")))
                for i, t in enumerate(texts)]

    with pytest.raises(AssertionError, match="leading space"):
        checks.check_lecture_rule(strips_before_measuring)
    with pytest.raises(AssertionError, match="divides alpha"):
        checks.check_bonferroni(lambda p, alpha: np.asarray(p) < alpha)
    with pytest.raises(AssertionError, match="strict"):
        checks.check_bonferroni(lambda p, alpha: np.asarray(p) <= alpha / len(p))

    def ignores_ties(x, y):
        x, y = np.asarray(x), np.asarray(y)
        return float(np.mean([a > b for a in x[y == 1] for b in x[y == 0]]))

    with pytest.raises(AssertionError, match="tie"):
        checks.check_auroc(ignores_ties)


def test_heldout_choice_check():
    rng = np.random.default_rng(1)
    y_train, y_held = (rng.random(400) < 0.3).astype(int), (rng.random(400) < 0.3).astype(int)
    x_train, x_held = rng.normal(size=(400, 20)), rng.normal(size=(400, 20))
    x_train[:, 7] += 2 * y_train
    x_held[:, 7] += 2 * y_held

    def right(train_x, train_y, heldout_x, heldout_y):
        return 7, float(auroc(heldout_x[:, [7]], heldout_y)[0])

    assert checks.check_heldout_choice(right, x_train, y_train, x_held, y_held) is True
    with pytest.raises(AssertionError, match="Expected neuron 7"):
        checks.check_heldout_choice(lambda *a: (3, 0.5), x_train, y_train, x_held, y_held)
    with pytest.raises(AssertionError, match="ALL held-out tokens"):
        checks.check_heldout_choice(lambda *a: (7, 0.5), x_train, y_train, x_held, y_held)
