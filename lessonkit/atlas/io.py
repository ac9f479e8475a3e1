"""The atlas's inputs and its output folder: text sources, the pass stream, checkpoints, atomic files.

Text (``--text``): ``"lecture"`` (the lecture's WikiText-2 selection), ``"wikitext"`` (the whole
WikiText-2 raw test split), a JSON-lines file of ``{"text": ...}`` rows, a plain text file (one row
per line), or -- with a network -- a Hugging Face dataset ``NAME[:CONFIG[:SPLIT]]`` (streamed,
its ``"text"`` column). Files are read row by row, so their length does not matter.

Output folder: the report is complete when ``atlas.json`` exists; it is written last. While a scan
runs, the folder holds ``checkpoint/`` (one state file per process); every file appears whole (it is
written under a temporary name and renamed), and ``index.html`` appears only after every page and
figure it links to.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

COMPLETE = "atlas.json"  # the completion record, written last
CHECKPOINTS = "checkpoint"
BUILT_IN_TEXTS = ("lecture", "wikitext")
TEXT_SUFFIXES = (".jsonl", ".json", ".txt", ".text", ".md")


class ScanInputError(ValueError):
    """Bad input to a scan: the message is one line that says what to change (exit status 2)."""


# ---------------------------------------------------------------- text


def check_text(spec: str) -> str:
    """Fail early on a text that cannot be read; returns a short description of the source."""
    if spec in BUILT_IN_TEXTS:
        return {"lecture": "the lecture's WikiText-2 selection", "wikitext": "the WikiText-2 raw test split"}[spec]
    path = Path(spec).expanduser()
    if path.is_dir():
        raise ScanInputError(f"--text {spec} is a folder; give a .jsonl or text file")
    if path.is_file():
        return f"the file {path}"
    if path.suffix.lower() in TEXT_SUFFIXES or spec.startswith((".", "/", "~")):
        raise ScanInputError(f"--text: no such file: {spec}")
    from ..models import hub_reachable

    if not hub_reachable():
        raise ScanInputError(
            f"--text {spec!r} is not a file, and the Hugging Face Hub (for a dataset of that name) cannot be "
            f"reached; give a .jsonl or text file, or one of {', '.join(BUILT_IN_TEXTS)}"
        )
    return f"the Hugging Face dataset {spec}"


def read_rows(spec: str) -> Iterable[str]:
    """The rows of the text, one string at a time (a list for the built-in texts)."""
    from .. import text

    if spec == "lecture":
        return text.select_lecture_rows(text.load_wikitext_rows())
    if spec == "wikitext":
        return text.load_wikitext_rows()
    path = Path(spec).expanduser()
    if path.is_file():
        return _jsonl_rows(path) if path.suffix.lower() in (".jsonl", ".json") else _lines(path)
    return _hub_rows(spec)


def _jsonl_rows(path: Path) -> Iterator[str]:
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                yield row["text"] if isinstance(row, dict) else _no_text(path, number)
            except (json.JSONDecodeError, KeyError):
                _no_text(path, number)


def _no_text(path: Path, number: int) -> str:
    raise ScanInputError(f"{path}, line {number}: expected a JSON object with a \"text\" field")


def _lines(path: Path) -> Iterator[str]:
    try:
        with open(path, encoding="utf-8") as handle:
            yield from handle  # each line keeps its newline, like WikiText's rows
    except UnicodeDecodeError as error:
        raise ScanInputError(f"{path} is not UTF-8 text ({error.reason} at byte {error.start})") from None


def _hub_rows(spec: str) -> Iterator[str]:
    """Rows of ``NAME[:CONFIG[:SPLIT]]`` (split ``train`` unless given), streamed from the Hub."""
    from datasets import load_dataset

    name, config, split = (spec.split(":") + ["", ""])[:3]
    for row in load_dataset(name, config or None, split=split or "train", streaming=True):
        yield row["text"]


class Pass(NamedTuple):
    """One forward pass of the stream: its number, its first token's index, its ids, the pass before it."""

    index: int
    start: int
    ids: np.ndarray
    previous: np.ndarray


def token_passes(rows: Iterable[str], tokenizer: Any, pass_tokens: int, max_tokens: int | None) -> Iterator[Pass]:
    """Tokenize rows one by one (as the lecture does: no special tokens, joined in order) and cut the
    stream into passes of ``pass_tokens`` tokens; the last may be shorter. Holds two passes at most."""
    from ..text import tokenize_rows

    buffer: list[int] = []
    previous = np.zeros(0, np.int64)
    index = start = 0
    budget = max_tokens if max_tokens is not None else float("inf")
    batch: list[str] = []

    def flush(final: bool) -> Iterator[Pass]:
        nonlocal buffer, previous, index, start
        while len(buffer) >= pass_tokens or (final and buffer):
            ids = np.asarray(buffer[:pass_tokens], np.int64)
            buffer = buffer[pass_tokens:]
            yield Pass(index, start, ids, previous)
            previous, index, start = ids, index + 1, start + len(ids)

    for row in rows:
        batch.append(row)
        if len(batch) == 64:  # tokenize in small batches of rows: same ids, fewer calls
            buffer.extend(tokenize_rows(batch, tokenizer)[0].tolist())
            batch = []
        if start + len(buffer) >= budget:
            break
        yield from flush(final=False)
    if batch:
        buffer.extend(tokenize_rows(batch, tokenizer)[0].tolist())
    if max_tokens is not None:
        buffer = buffer[: max(0, max_tokens - start)]
    yield from flush(final=True)


class StreamHash:
    """A running sha256 of the passes seen: a resumed scan checks that it reads the same tokens."""

    def __init__(self) -> None:
        self._hash = hashlib.sha256()

    def update(self, ids: np.ndarray) -> str:
        self._hash.update(np.asarray(ids, np.int64).tobytes())
        return self._hash.hexdigest()


def parse_layers(spec: str | int | list[int], n_layers: int) -> list[int]:
    """"all", "18", "0-5,18" (or ints) -> sorted layer indices; a clear ValueError otherwise."""
    if not isinstance(spec, str):
        spec = ",".join(str(s) for s in ([spec] if isinstance(spec, int) else spec))
    if spec.strip().lower() == "all":
        return list(range(n_layers))
    chosen: set[int] = set()
    for part in spec.split(","):
        first, dash, last = part.strip().partition("-")
        if not first.isdigit() or (dash and not last.isdigit()):
            raise ValueError(f"--layers {spec!r}: write layer numbers and ranges such as 18, 0-5,18 or all")
        low, high = int(first), int(last) if dash else int(first)
        if low > high or high >= n_layers:
            raise ValueError(f"--layers {spec!r}: this model has layers 0 to {n_layers - 1}")
        chosen.update(range(low, high + 1))
    return sorted(chosen)


# ---------------------------------------------------------------- the output folder


def check_output(out: str | Path, *, resume: bool, overwrite: bool) -> tuple[Path, str]:
    """Check ``out`` before any work; returns (folder, what to do: "new", "resume" or "done").

    Nothing is written here. A folder that holds something other than a lessonkit scan is refused, so
    a scan never mixes its files into someone else's.
    """
    folder = Path(out).expanduser()
    if folder.exists() and not folder.is_dir():
        raise ScanInputError(f"--out {out} is a file, not a folder")
    ancestor = folder
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise ScanInputError(f"--out {out}: {ancestor} is a file, so the folder cannot be made")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise ScanInputError(f"--out {out}: cannot write in {ancestor}")
    complete = (folder / COMPLETE).is_file()
    interrupted = (folder / CHECKPOINTS).is_dir() and any((folder / CHECKPOINTS).glob("*.npz"))
    if resume and overwrite:
        raise ScanInputError("--resume and --overwrite contradict each other; choose one")
    held = "an interrupted scan" if interrupted else "a complete atlas" if complete else None
    if held:  # continue it, keep it, or (asked for) replace it
        if resume:
            return folder, "resume" if interrupted else "done"
        if not overwrite:
            how = "--resume to continue it, or --overwrite to start again" if interrupted else "--overwrite to replace it, or another folder"
            raise ScanInputError(f"--out {out} already holds {held}; use {how}")
        return folder, "new"
    if resume:
        raise ScanInputError(f"--resume: {out} holds no interrupted scan (no {CHECKPOINTS}/ in it)")
    if folder.is_dir() and any(p.name not in (CHECKPOINTS,) and not p.name.startswith(".staging") for p in folder.iterdir()):
        raise ScanInputError(f"--out {out} is not empty and holds no lessonkit atlas; choose a new or empty folder")
    return folder, "new"


def make_output(folder: Path, *, fresh: bool) -> None:
    """Create the folder and its checkpoint folder (emptied when ``fresh``); check it takes files."""
    try:
        (folder / CHECKPOINTS).mkdir(parents=True, exist_ok=True)
        if fresh:
            for old in (folder / CHECKPOINTS).glob("*.npz"):
                old.unlink()
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        raise ScanInputError(f"--out {folder}: cannot write there ({error.strerror or error})") from None


def checkpoint_path(folder: Path, rank: int, world: int) -> Path:
    return folder / CHECKPOINTS / f"rank{rank}-of-{world}.npz"


def write_text_atomically(path: Path, text: str) -> None:
    """Write a text file under a temporary name, then rename it: it appears whole or not at all."""
    handle, staging = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(staging, 0o666 & ~umask)  # as an ordinary file would be (mkstemp makes it private)
        os.replace(staging, path)
    finally:
        if os.path.exists(staging):
            os.unlink(staging)


def publish(staging: Path, folder: Path, order: list[str], record: dict) -> None:
    """Move the staged report into ``folder`` in ``order`` (pages before the index), then write the
    completion record last. A previous report's files go first, its record before anything else."""
    previous = folder / COMPLETE
    if previous.is_file():
        old_files = json.loads(previous.read_text(encoding="utf-8")).get("files", [])
        previous.unlink()  # from here on the folder no longer looks complete
        for name in old_files:
            target = folder / name
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()
    for name in order:
        target = folder / name
        if target.is_dir():
            shutil.rmtree(target)
        os.replace(staging / name, target)
    shutil.rmtree(staging, ignore_errors=True)
    write_text_atomically(previous, json.dumps(dict(record, files=order), indent=2) + "\n")


# ---------------------------------------------------------------- the run: processes, checkpoints, progress


def check_settings(settings: Any) -> None:
    """The numbers of a scan, checked before any model is loaded."""
    from ..tagging import RULES

    if settings.max_tokens is not None and settings.max_tokens <= 0:
        raise ScanInputError(f"--max-tokens must be a positive number of tokens, got {settings.max_tokens}")
    for name in ("pass_tokens", "sample", "contexts", "top", "batch", "checkpoint_every"):
        if getattr(settings, name) < 1:
            raise ScanInputError(f"--{name.replace('_', '-')} must be at least 1, got {getattr(settings, name)}")
    if not 0 < settings.heldout_share < 1:
        raise ScanInputError(f"--heldout-share must lie strictly between 0 and 1, got {settings.heldout_share}")
    if settings.rule not in RULES:
        raise ScanInputError(f"--rule must be one of {', '.join(RULES)}, got {settings.rule!r}")
    if settings.site not in ("pre", "post"):
        raise ScanInputError(f"--site must be 'pre' or 'post', got {settings.site!r}")


class ScanRun:
    """One process's part of a scan: its rank, the output folder, checkpoints, its passes, the merge."""

    def __init__(self, model: Any, tokenizer: Any, settings: Any, out: str | Path, *, resume: bool, overwrite: bool) -> None:
        check_settings(settings)
        check_text(settings.text)
        context = getattr(model.config, "n_positions", None) or getattr(model.config, "max_position_embeddings", None)
        if context is not None and settings.pass_tokens > context:
            raise ScanInputError(f"--pass-tokens {settings.pass_tokens} is longer than the model's context of {context} tokens")
        self.model, self.tokenizer, self.settings = model, tokenizer, settings
        self.rank, self.world = _ranks()
        self.folder, todo = check_output(out, resume=resume, overwrite=overwrite)
        self.complete, self.resuming = todo == "done", todo == "resume"
        _barrier(self.world)  # every process has checked before anyone writes
        if not self.complete and self.rank == 0:
            make_output(self.folder, fresh=todo == "new")
        _barrier(self.world)
        self.checkpoint = checkpoint_path(self.folder, self.rank, self.world)
        self._digests: dict[int, str] = {}
        self._bar: Any = None

    def start_state(self, layers: list[int]):
        from .state import AtlasState

        s = self.settings
        sizes = {layer: _neurons(self.model) for layer in layers}
        name = s.model_name or getattr(self.model.config, "_name_or_path", "")
        name = Path(name).name if os.path.isdir(name) else name  # a folder in a cache: its last part says enough
        meta = dict(model=name, text=s.text, rule=s.rule,
                    site=s.site, max_tokens=s.max_tokens, pass_tokens=s.pass_tokens, heldout_share=s.heldout_share,
                    world=self.world)  # fmt: skip
        if not self.resuming:
            return AtlasState(sizes, sample=s.sample, contexts=s.contexts, seed=s.seed, meta=meta)
        if not self.checkpoint.is_file():
            found = sorted(p.name for p in self.checkpoint.parent.glob("*.npz"))
            raise ScanInputError(f"--resume: no checkpoint {self.checkpoint.name} (found {', '.join(found)}): resume with the same number of processes")
        state = AtlasState.load(self.checkpoint)
        expected = AtlasState.settings(sizes, sample=s.sample, contexts=s.contexts, seed=s.seed, meta=meta)
        if state.meta != expected:
            changed = sorted(k for k in set(state.meta) | set(expected) if state.meta.get(k) != expected.get(k))
            raise ScanInputError(f"--resume: the interrupted scan used other settings ({', '.join(changed)} differ)")
        return state

    @contextmanager
    def progress_bar(self, enabled: bool) -> Iterator[Any]:
        from tqdm.auto import tqdm

        rows = read_rows(self.settings.text)
        total = self.settings.max_tokens
        if isinstance(rows, list):  # the built-in texts are in memory: count their tokens
            from ..text import tokenize_rows

            count = tokenize_rows(rows, self.tokenizer).shape[1]
            total = min(count, total) if total else count
        with tqdm(total=total, unit="tok", desc="atlas", disable=not enabled or self.rank != 0) as bar:
            self._bar = bar
            yield bar

    def own_batches(self, state: Any, bar: Any) -> Iterator[list[Pass]]:
        """This process's passes (every world-th), batched by ``batch`` passes of equal length,
        skipping those its checkpoint holds -- after checking that the text is the same up to there."""
        done, digest_at_checkpoint = state.progress["next_pass"], state.progress["text_hash"]
        running = StreamHash()
        pending: list[Pass] = []
        last = -1
        for one in token_passes(read_rows(self.settings.text), self.tokenizer, self.settings.pass_tokens, self.settings.max_tokens):
            last = one.index
            digest = running.update(one.ids)
            if one.index == done - 1 and digest != digest_at_checkpoint:
                raise ScanInputError("--resume: the text differs from the interrupted scan's")
            if one.index < done or one.index % self.world != self.rank:
                bar.update(len(one.ids))
                continue
            if pending and (len(pending) == self.settings.batch or len(one.ids) != len(pending[0].ids)):
                yield pending
                pending = []
            self._digests[one.index] = digest
            pending.append(one)
        if pending:
            yield pending
        if last < done - 1:
            raise ScanInputError("--resume: the text is shorter than the interrupted scan's")

    def passes_done(self, state: Any, batch: list[Pass]) -> None:
        state.progress.update(next_pass=batch[-1].index + 1, text_hash=self._digests.pop(batch[-1].index))
        self._bar.update(sum(len(one.ids) for one in batch))
        if state.progress["passes"] % self.settings.checkpoint_every < len(batch):
            state.save(self.checkpoint)

    def merge(self, state: Any) -> Any:
        """Save the final state (a crash from here on loses nothing), then merge all processes' states."""
        from .state import merge_across_ranks

        state.save(self.checkpoint)
        return merge_across_ranks(state) if self.world > 1 else state

    def finish(self) -> None:
        """After the report is complete: the checkpoints are no longer needed."""
        shutil.rmtree(self.folder / CHECKPOINTS, ignore_errors=True)


def _neurons(model: Any) -> int:
    from ..models import mlp_shape

    return mlp_shape(model)[1]


def _ranks() -> tuple[int, int]:
    """(rank, world size) of a torchrun / accelerate launch run, after joining it; (0, 1) alone."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world == 1:
        return 0, 1
    import torch.distributed as dist

    if not dist.is_initialized():
        dist.init_process_group(backend="gloo")  # the states merge on the CPU, whatever the model runs on
    return dist.get_rank(), dist.get_world_size()


def _barrier(world: int) -> None:
    if world > 1:
        import torch.distributed as dist

        dist.barrier()
