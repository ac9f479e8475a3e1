"""Shared fixtures: the offline stand-ins, loaded once per test session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED_WIKITEXT = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "wikitext-2-raw-v1-test.jsonl"


@pytest.fixture(scope="session")
def wikitext_file() -> Path:
    """The WikiText-2 raw test rows (``$LESSONKIT_WIKITEXT``, or ../shared/data beside the checkout)."""
    path = Path(os.environ.get("LESSONKIT_WIKITEXT") or SHARED_WIKITEXT)
    if not path.is_file():
        pytest.skip(f"WikiText-2 rows not found at {path}")
    return path


@pytest.fixture(scope="session")
def gpt2_tokenizer():
    from lessonkit.models import load_gpt2_tokenizer

    return load_gpt2_tokenizer()


@pytest.fixture(scope="session")
def smollm2():
    """(model, tokenizer) of the real pretrained SmolLM2-135M."""
    import lessonkit

    return lessonkit.load_model("smollm2-135m", device="cpu")


def pytest_terminal_summary(terminalreporter) -> None:
    """After the run: where the browser tests put their screenshots, and how long they took."""
    import sys

    browser = sys.modules.get("_jupyterlab")  # imported only when the browser tests were collected
    if browser is not None and browser.REPORT:
        terminalreporter.section("browser tests")
        for line in browser.REPORT:
            terminalreporter.write_line(line)
