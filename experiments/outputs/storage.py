"""Writing results: Parquet tables and a manifest, never half-written, never where they must not be.

Every output folder is written under a temporary name beside its destination and renamed
into place at the end, so an interrupted run leaves no folder that looks complete. Single
files are written the same way (:func:`write_atomic`). A command claims its folder before it
starts working (:func:`claimed`): the folder is created empty, locked against a second jiesu
process (``fcntl.flock``), and tried for writing, so a folder that cannot be written is refused
before the work, not after it. Names taken from files never leave ``results/``
(:func:`confined`); files and folders get the permissions the umask allows.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib.metadata
import json
import math
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
    """The output folder cannot be used (not empty, no parent, in use, not writable, disk full)."""


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


#: Folders this process has claimed (resolved path -> path), so that writing into one does not
#: try to claim it a second time.
_CLAIMED: dict[Path, Path] = {}


def umask() -> int:
    """The process's umask (read without changing it where the system tells it)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    old = os.umask(0o022)
    os.umask(old)
    return old


def file_mode() -> int:
    """Permissions of a new result file: read-write for whom the umask allows."""
    return 0o666 & ~umask()


def folder_mode() -> int:
    """Permissions of a new result folder."""
    return 0o777 & ~umask()


def _why(err: OSError) -> str:
    return err.strerror or str(err)


def target_of(path: Path) -> Path:
    """The folder ``path`` designates: a symbolic link is followed to the folder it points to."""
    path = Path(path)
    try:
        return path.resolve() if path.is_symlink() else path
    except (OSError, RuntimeError) as err:
        raise OutputError(f"output folder {path}: cannot follow the link ({err})") from None


def check_destination(path: Path, parents: bool = False) -> None:
    """Refuse an output folder that exists and is not empty, or whose parent is missing.

    Args:
        path: The folder to be written (a symbolic link counts as the folder it points to).
        parents: Allow missing parent folders (they are created when the folder is claimed).

    Raises:
        OutputError: Naming the folder and the fix.
    """
    path = target_of(path)
    try:
        if path.exists():
            if not path.is_dir():
                raise OutputError(f"output {path} is a file, not a folder: choose another --out")
            if any(path.iterdir()):
                raise OutputError(
                    f"output folder {path} already exists and is not empty: choose another --out"
                )
        parent = path.absolute().parent
        if not parents and not parent.is_dir():
            what = "is not a folder" if parent.exists() else "does not exist"
            raise OutputError(
                f"the parent of the output folder, {parent}, {what}: create it, or add --parents "
                "(parents=True in Python) to create it"
            )
    except OSError as err:
        raise OutputError(f"output folder {path}: {_why(err)}") from None


def confined(parent: Path, name: str) -> Path:
    """``parent / name``, refused unless it is a folder directly inside ``parent``.

    Names taken from files (a scenario's, sweep's or calibration's ``name``) build default
    folder names; this is the last guard that they stay inside ``results/``.

    Raises:
        OutputError: If ``name`` is not one plain path component.

    Example:
        >>> confined(Path("results"), "sweep-a").as_posix()
        'results/sweep-a'
    """
    child = Path(parent) / name
    if not name or Path(name).name != name or name in (".", "..") or "\0" in name:
        raise OutputError(f"{name!r} cannot name a folder inside {parent}/")
    if child.resolve().parent != Path(parent).resolve():
        raise OutputError(f"{name!r} would leave {parent}/ (a link inside it?); choose --out")
    return child


@contextlib.contextmanager
def exclusive(path: Path, what: str) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (a folder, or a lock file created if missing).

    The lock is ``fcntl.flock``: held by this process until the block ends, released by the
    system if the process dies (``kill -9`` included), and advisory (it stops other jiesu
    processes, not other programs). Where ``fcntl`` is missing (Windows) nothing is locked.

    Raises:
        OutputError: If another process holds the lock.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    try:
        if path.is_dir():
            fd = os.open(path, os.O_RDONLY)
        else:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, file_mode())
    except OSError as err:
        raise OutputError(f"cannot lock {what} ({path}): {_why(err)}") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise OutputError(
                f"{what} is in use by another jiesu process (it holds the lock on {path}); "
                "wait until it ends, or choose another --out"
            ) from None
        yield
    finally:
        os.close(fd)


def probe_writable(folder: Path) -> None:
    """Write (and remove) a small file in ``folder`` and a folder beside it, or refuse it.

    Called before the work starts, so a read-only or full disk is found then, not after hours
    of simulation: 64 KiB are written and flushed to the disk.

    Raises:
        OutputError: Naming the folder and the system's reason.
    """
    folder = Path(folder)
    try:
        fd, name = tempfile.mkstemp(prefix=".jiesu-probe-", dir=folder)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(bytes(65536))
                fh.flush()
                os.fsync(fh.fileno())
        finally:
            os.unlink(name)
        os.rmdir(tempfile.mkdtemp(prefix=".jiesu-probe-", dir=folder.absolute().parent))
    except OSError as err:
        raise OutputError(f"cannot write into {folder}: {_why(err)}; choose another --out") from None


def _mkdir(path: Path, parents: bool) -> bool:
    """Create ``path`` if missing; return whether this call created it."""
    try:
        path.mkdir(parents=parents, exist_ok=False, mode=folder_mode())
        return True
    except FileExistsError:
        return False
    except OSError as err:
        raise OutputError(f"cannot create the output folder {path}: {_why(err)}") from None


@contextlib.contextmanager
def claimed(path: Path, parents: bool = False, reserved: bool = False) -> Iterator[Path]:
    """Claim an output folder for the duration of the block; yield the folder to write.

    The folder is created (empty), locked against other jiesu processes, and tried for writing.
    If the block fails and the folder is still empty, it is removed again.

    Args:
        path: The folder (``--out``); a symbolic link counts as the folder it points to.
        parents: Create missing parent folders.
        reserved: The folder was just created for this claim (:func:`default_out`).

    Raises:
        OutputError: If the folder is not empty, has no parent, is in use, or cannot be written.
    """
    target = target_of(path)
    key = target.absolute()
    if key in _CLAIMED:
        yield _CLAIMED[key]
        return
    if not reserved:
        check_destination(target, parents)
    created = _mkdir(target, parents) or reserved
    locked = False
    try:
        with exclusive(target, f"output folder {path}"):
            locked = True
            check_destination(target, parents)  # again, under the lock
            probe_writable(target)
            _CLAIMED[key] = target
            try:
                yield target
            finally:
                _CLAIMED.pop(key, None)
    finally:
        if created and locked:
            with contextlib.suppress(OSError):
                target.rmdir()  # only if still empty: the results replaced it otherwise


@contextlib.contextmanager
def staged_folder(final: Path, parents: bool = False) -> Iterator[Path]:
    """Yield a temporary folder that becomes ``final`` only if the block completes.

    Args:
        final: The folder to create; it must not exist or be empty (it is claimed, see
            :func:`claimed`, unless this process claimed it already).
        parents: Create missing parent folders (otherwise a missing parent is an error).

    Raises:
        OutputError: See :func:`claimed`; also when writing fails (disk full, say), with the
            system's reason on one line.
    """
    with claimed(final, parents) as target:
        try:
            tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.partial-", dir=target.absolute().parent))
            tmp.chmod(folder_mode())  # mkdtemp makes it owner-only
        except OSError as err:
            raise OutputError(f"cannot write beside {target}: {_why(err)}") from None
        try:
            try:
                yield tmp
            except OutputError as err:  # name the destination, not the staging folder
                raise OutputError(str(err).replace(str(tmp), str(final))) from None
            except OSError as err:
                raise OutputError(f"cannot write the results into {final}: {_why(err)}") from None
            _commit(tmp, target)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)


def _commit(tmp: Path, target: Path) -> None:
    """Rename the finished folder onto the claimed (empty) one; keep it if that is impossible."""
    try:
        os.replace(tmp, target)
    except OSError as err:
        kept = _free_name(target.parent, f"{target.name}-kept")
        os.replace(tmp, kept)
        raise OutputError(
            f"{target} could not take the results ({_why(err)}): they are kept in {kept}"
        ) from None


def _free_name(parent: Path, stem: str) -> Path:
    k = 1
    while (parent / f"{stem}-{k}").exists():
        k += 1
    return parent / f"{stem}-{k}"


def write_atomic(path: Path, write) -> None:
    """Call ``write(tmp_path)`` then rename the temporary file to ``path``.

    Raises:
        OutputError: If the file cannot be written (disk full, no permission), with the reason.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=folder_mode())
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as err:
        raise OutputError(f"cannot write {path}: {_why(err)}") from None
    os.close(fd)
    try:
        os.chmod(tmp, file_mode())  # mkstemp makes it owner-only
        write(Path(tmp))
        os.replace(tmp, path)
    except OSError as err:
        raise OutputError(f"cannot write {path}: {_why(err)}") from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_parquet(df: pd.DataFrame, path: Path) -> None:
    """Write a DataFrame to Parquet atomically (no index; see :func:`parquet_encodings`)."""
    options = parquet_encodings(df)
    write_atomic(path, lambda tmp: df.to_parquet(tmp, index=False, engine="pyarrow", **options))


def parquet_encodings(df: pd.DataFrame) -> dict:
    """Column encodings for ``to_parquet``: dictionaries for labels and counts, byte-stream split for floats.

    Outcomes are floats that rarely repeat, so a dictionary of their values is built and then
    dropped for being too large; instead their bytes are split into streams, which Snappy then
    compresses about as well. Written in about two thirds of the time, as small, read back the
    same (DuckDB, pandas and arrow all read the encoding).
    """
    floats = [str(c) for c, kind in df.dtypes.items() if getattr(kind, "kind", "") == "f"]
    if not floats or len(set(map(str, df.columns))) != len(df.columns):
        return {}
    others = [str(c) for c in df.columns if str(c) not in floats]
    return {
        "use_dictionary": others,
        "column_encoding": dict.fromkeys(floats, "BYTE_STREAM_SPLIT"),
    }


def json_safe(data):
    """``data`` with every float that JSON cannot hold (NaN, infinities) replaced by None."""
    if isinstance(data, float) and not math.isfinite(data):
        return None
    if isinstance(data, dict):
        return {k: json_safe(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [json_safe(v) for v in data]
    return data


def write_json(data: dict, path: Path) -> None:
    """Write JSON (UTF-8, indented, strict: no NaN or Infinity) atomically."""
    text = json.dumps(json_safe(data), indent=2, ensure_ascii=False, default=str, allow_nan=False)
    write_atomic(path, lambda tmp: tmp.write_text(text + "\n", encoding="utf-8"))


def default_out(kind: str, label: str) -> Path:
    """Create and return a new folder under ``results/``: ``KIND-LABEL-YYYYmmdd-HHMMSS``.

    The folder is created here (``-2``, ``-3``, ... are added while a name is taken), so two
    commands started in the same second get two folders. The name must stay inside
    ``results/`` (:func:`confined`).

    Raises:
        OutputError: If ``results/`` cannot be created or the label is not a plain name.
    """
    results = Path("results")
    _mkdir(results, parents=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    k = 1
    while True:
        path = confined(results, f"{kind}-{label}-{stamp}" + (f"-{k}" if k > 1 else ""))
        try:
            path.mkdir(mode=folder_mode())
            return path
        except FileExistsError:
            k += 1
        except OSError as err:
            raise OutputError(f"cannot create {path}: {_why(err)}") from None
