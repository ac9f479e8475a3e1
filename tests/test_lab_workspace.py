"""``make lab``: a class works on copies, and nothing it saves lands beside them or in the tracked tree.

``tools/lab.py`` copies the notebooks into ``workspace/`` without jupytext's pairing, keeps a copy
that is already there (the class's work), and starts JupyterLab without jupytext's server extension.
Here a real Jupyter server saves a notebook through its contents API (what JupyterLab's save and
autosave do): with the lab's options no ``.py`` twin appears; with jupytext's extension on and a
paired notebook -- how the tracked notebooks are stored -- one does, so the test can see the failure.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import shutil
import urllib.request
from pathlib import Path

import nbformat
import pytest

import _jupyterlab as jl

ROOT = Path(__file__).resolve().parents[1]
lab_tool = jl.lab_tool()
LECTURE = ROOT / "notebooks" / "01_proper_noun_neurons.ipynb"


def _tracked_digests() -> dict[str, str]:
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest()
            for folder in ("notebooks", "exercises", "exercises/solutions") for p in sorted((ROOT / folder).glob("*"))
            if p.is_file()}


def test_the_workspace_holds_unpaired_copies_of_every_notebook_a_class_opens(tmp_path):
    before = _tracked_digests()
    copies = lab_tool.prepare(tmp_path / "workspace")
    names = sorted(p.name for p in copies)
    assert names == sorted(p.name for pattern in ("notebooks/*.ipynb", "exercises/*.ipynb") for p in ROOT.glob(pattern))
    assert "01_proper_noun_neurons.ipynb" in names and "01_the_lecture.ipynb" in names  # the lecture, the exercises
    assert sorted(p.name for p in (tmp_path / "workspace").iterdir()) == names  # nothing else beside them
    for copy in copies:
        notebook = nbformat.read(copy, as_version=4)
        assert "jupytext" not in notebook.metadata, f"{copy.name} is still paired with a .py"
        source = next(ROOT.glob(f"*/{copy.name}"))
        assert [c.source for c in notebook.cells] == [c.source for c in nbformat.read(source, as_version=4).cells]
    assert _tracked_digests() == before


def test_a_copy_already_there_is_the_class_work_kept_but_unpaired(tmp_path):
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    old = nbformat.read(LECTURE, as_version=4)  # a copy from before: still paired, with a student's change
    old.cells[0].source = "a student's note"
    nbformat.write(old, workspace / LECTURE.name)
    lab_tool.prepare(workspace)
    kept = nbformat.read(workspace / LECTURE.name, as_version=4)
    assert kept.cells[0].source == "a student's note" and "jupytext" not in kept.metadata
    mtime = (workspace / LECTURE.name).stat().st_mtime_ns
    lab_tool.prepare(workspace)  # nothing to strip any more: not even rewritten
    assert (workspace / LECTURE.name).stat().st_mtime_ns == mtime


def _save_through_the_server(root: Path, name: str, options: tuple[str, ...]) -> list[str]:
    """Start a Jupyter server on ``root`` with ``options``, save ``name`` through its contents API, stop
    it; the names of the files then in ``root``."""
    server = jl.LabServer(root, {}, options=options)
    try:
        notebook = nbformat.read(root / name, as_version=4)  # sources as strings, as JupyterLab sends them
        body = json.dumps({"type": "notebook", "format": "json", "content": notebook}).encode()
        request = urllib.request.Request(f"{server.url}/api/contents/{name}", data=body, method="PUT",
                                         headers={"Authorization": f"token {server.token}",
                                                  "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            assert response.status in (200, 201)
    finally:
        server.stop()
    return sorted(p.name for p in root.iterdir() if not p.name.startswith("."))


@pytest.mark.skipif(importlib.util.find_spec("jupyterlab_jupytext") is None, reason="jupytext's server extension is not installed")
def test_saving_in_the_lab_writes_no_twin_beside_the_copy(tmp_path):
    paired = tmp_path / "as_tracked"
    shutil.copytree(LECTURE.parent, paired, ignore=lambda folder, names: [n for n in names if not n.startswith("01_")])
    (paired / LECTURE.with_suffix(".py").name).unlink()
    assert _save_through_the_server(paired, LECTURE.name, ()) == [LECTURE.name, LECTURE.with_suffix(".py").name]

    workspace = tmp_path / "workspace"
    lab_tool.prepare(workspace)
    before = sorted(p.name for p in workspace.iterdir())
    assert _save_through_the_server(workspace, LECTURE.name, lab_tool.LAB_OPTIONS) == before
