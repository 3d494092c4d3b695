"""Writing results: Parquet tables and a manifest, never half-written.

Every output folder is written under a temporary name beside its destination and renamed
into place at the end, so an interrupted run leaves no folder that looks complete. Single
files are written the same way (:func:`write_atomic`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib.metadata
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas is imported by the callers; this module starts without it
    import pandas as pd

FORMAT_VERSION = 1
_PACKAGES = ("mesa", "numpy", "pandas", "pyarrow", "networkx", "scipy", "matplotlib", "SALib", "joblib")


class OutputError(RuntimeError):
    """The output folder cannot be used (it exists and is not empty, its parent is missing)."""


def package_versions() -> dict[str, str]:
    """Versions of jiesu and of the packages whose behaviour shapes results."""
    out = {"jiesu": _version("jiesu"), "python": platform.python_version()}
    out.update({name: _version(name) for name in _PACKAGES})
    return out


def _version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def git_commit() -> str | None:
    """The git commit of the source tree, with ``-dirty`` if it has uncommitted changes."""
    root = Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=5, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return commit + ("-dirty" if dirty else "")


def base_manifest(command: list[str] | None = None) -> dict:
    """Provenance common to every output: versions, commit, command line, time, format."""
    return {
        "format_version": FORMAT_VERSION,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "versions": package_versions(),
        "git_commit": git_commit(),
        "command": command if command is not None else sys.argv,
        "platform": platform.platform(),
    }


def check_destination(path: Path, parents: bool = False) -> None:
    """Refuse an output folder that exists and is not empty, or whose parent is missing.

    Args:
        path: The folder to be written.
        parents: Allow missing parent folders (they are created when the results are written).

    Raises:
        OutputError: Naming the folder and the fix.
    """
    path = Path(path)
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise OutputError(f"output folder {path} already exists and is not empty: choose another --out")
    parent = path.absolute().parent
    if not parents and not parent.is_dir():
        what = "is not a folder" if parent.exists() else "does not exist"
        raise OutputError(
            f"the parent of the output folder, {parent}, {what}: create it, or add --parents "
            "(parents=True in Python) to create it"
        )


@contextlib.contextmanager
def staged_folder(final: Path, parents: bool = False) -> Iterator[Path]:
    """Yield a temporary folder that becomes ``final`` only if the block completes.

    Args:
        final: The folder to create; it must not exist or be empty.
        parents: Create missing parent folders (otherwise a missing parent is an error).

    Raises:
        OutputError: See :func:`check_destination`.
    """
    final = Path(final)
    check_destination(final, parents)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.partial-", dir=final.parent))
    tmp.chmod(0o755)  # mkdtemp makes it owner-only; results are meant to be shared
    try:
        yield tmp
        if final.exists():
            final.rmdir()
        os.replace(tmp, final)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def write_atomic(path: Path, write) -> None:
    """Call ``write(tmp_path)`` then rename the temporary file to ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    os.chmod(tmp, 0o644)  # mkstemp makes it owner-only
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_parquet(df: pd.DataFrame, path: Path) -> None:
    """Write a DataFrame to Parquet atomically (no index)."""
    write_atomic(path, lambda tmp: df.to_parquet(tmp, index=False, engine="pyarrow"))


def write_json(data: dict, path: Path) -> None:
    """Write JSON (UTF-8, indented) atomically."""
    text = json.dumps(data, indent=2, ensure_ascii=False, default=str)
    write_atomic(path, lambda tmp: tmp.write_text(text + "\n", encoding="utf-8"))


def default_out(kind: str, label: str) -> Path:
    """A new folder name under ``results/``: ``KIND-LABEL-YYYYmmdd-HHMMSS``.

    ``results/`` itself is created when the results are written (``parents=True``).
    """
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = Path("results") / f"{kind}-{label}-{stamp}"
    k = 1
    while path.exists():
        k += 1
        path = Path("results") / f"{kind}-{label}-{stamp}-{k}"
    return path
