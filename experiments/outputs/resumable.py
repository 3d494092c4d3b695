"""Folders that long jobs (sweeps, calibrations) fill over several sessions.

They are locked, prepared in two phases, and resumed only with what determined their results.

* **Lock.** While a job works in its folder it holds an exclusive ``fcntl.flock`` on
  ``FOLDER/.lock``; a second jiesu process (a second ``--resume``, say) is refused with one line.
  The system releases the lock when the process ends, ``kill -9`` included; the empty ``.lock``
  file stays.
* **Two-phase preparation.** A job first writes what it needs (``spec.toml``, its design, ...)
  and then, last, ``manifest.json``: the manifest is the mark of a prepared folder. A folder
  without one holds at most an interrupted preparation, which is removed and redone, with or
  without ``--resume``.
* **Resume key.** The manifest records what determines the results: the job's settings, the
  resolved scenario (every parameter value and event) and the versions of jiesu and of the
  numerical libraries (:func:`resume_key`). A resume whose key differs is refused, naming what
  changed. A folder written before the key was recorded (no ``resume_key`` in its manifest, no
  ``.lock``) is resumed as it was then: when its file's text is unchanged (``spec_sha256``).
* **Clean-up.** Under the lock, what interrupted writes left (``.*.tmp`` files, staging folders)
  is removed before the job goes on; then the folder is tried for writing (a full or read-only
  disk is refused before the work).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

from jiesu.experiments.errors import UsageError
from jiesu.experiments.outputs.storage import (
    OutputError,
    exclusive,
    folder_mode,
    package_versions,
    probe_writable,
)

LOCK = ".lock"
#: How each kind of job names itself in its manifest.
_MANIFEST_KIND = {"calibration": "calibrate"}
#: Packages whose version is part of the resume key: their arithmetic shapes the results
#: (docs/reproducibility.md).
KEY_PACKAGES = ("jiesu", "python", "numpy", "mesa", "scipy", "networkx")


def resume_key(settings: dict, scenario, overrides: dict | None = None) -> dict:
    """What determines a job's results: its settings, its resolved scenario, the versions.

    Args:
        settings: The job's own settings (a sweep's design, samples, seed, ...), JSON-like.
        scenario: The :class:`~jiesu.experiments.scenarios.Scenario` it runs.
        overrides: Parameter overrides of every run (resolved with the scenario's).
    """
    params = dataclasses.asdict(scenario.params(overrides or {}))
    events = [{k: v for k, v in e.to_dict().items() if k != "note"} for e in scenario.events]
    versions = package_versions()
    versions["python"] = ".".join(versions["python"].split(".")[:2])
    key = {
        "settings": settings,
        "parameters": params,
        "events": events,
        "versions": {k: versions.get(k) for k in KEY_PACKAGES},
    }
    return json.loads(json.dumps(key, default=str))


def what_changed(old: dict | None, new: dict) -> str | None:
    """Say what differs between two resume keys (None if nothing does)."""
    if not isinstance(old, dict):
        return "a resume key that cannot be read"
    said = []
    for section, label in (("settings", "settings"), ("parameters", "scenario parameters")):
        diffs = _diff(old.get(section) or {}, new[section])
        if diffs:
            said.append(f"other {label} ({diffs})")
    if old.get("events") != new["events"]:
        said.append("other scenario events")
    versions = _diff(old.get("versions") or {}, new["versions"])
    if versions:
        said.append(f"other versions ({versions})")
    return "; ".join(said) or None


def _diff(old: dict, new: dict, shown: int = 3) -> str:
    keys = [k for k in dict.fromkeys([*old, *new]) if old.get(k) != new.get(k)]
    parts = [f"{k}: {old.get(k)!r} then, {new.get(k)!r} now" for k in keys[:shown]]
    if len(keys) > shown:
        parts.append(f"and {len(keys) - shown} more")
    return ", ".join(parts)


def clean_stale(folder: Path) -> list[Path]:
    """Remove what interrupted writes left in ``folder`` and its subfolders; return it.

    Only call this while holding the folder's lock: the ``.NAME.XXXX.tmp`` files of
    ``write_atomic``, the ``.NAME.partial-XXXX`` folders of ``staged_folder`` and writing probes
    are otherwise another process's work in progress.
    """
    found = []
    for path in sorted(Path(folder).rglob(".*")):
        name = path.name
        if path.is_file() and (name.endswith(".tmp") or name.startswith(".jiesu-probe-")):
            found.append(path)
            path.unlink(missing_ok=True)
        elif path.is_dir() and (".partial-" in name or name.startswith(".jiesu-probe-")):
            found.append(path)
            shutil.rmtree(path, ignore_errors=True)
    return found


@contextlib.contextmanager
def resumable(
    folder: Path,
    kind: str,
    key: dict,
    resume: bool,
    prepared: set[str],
    parents: bool = False,
    digest: str | None = None,
) -> Iterator[dict | None]:
    """Lock a job's folder and yield its manifest to resume, or None when it must be prepared.

    Args:
        folder: The job's folder.
        kind: ``sweep`` or ``calibration`` (for messages and the manifest's ``kind``).
        key: The job's :func:`resume_key`.
        resume: Whether ``--resume`` was given.
        prepared: Names that preparation writes before the manifest (removed if found
            without a manifest: an interrupted preparation).
        parents: Create missing parent folders.
        digest: SHA-256 of the job's file (``spec_sha256``): what a folder written before resume
            keys existed is checked against (its file must be unchanged).

    Raises:
        UsageError: A prepared folder without ``--resume``; ``--resume`` of a folder that holds
            no job or another one, or whose key differs (naming what changed); a folder that
            holds other files.
        OutputError: A missing parent, a folder in use by another process, or one that cannot
            be written.
    """
    folder = Path(folder)
    created = _create(folder, resume, parents, kind)
    ready = False
    try:
        with exclusive(folder / LOCK, f"{kind} folder {folder}"):
            clean_stale(folder)
            probe_writable(folder)  # a full or read-only disk is found now, not after hours of work
            manifest_path = folder / "manifest.json"
            if manifest_path.is_file():
                manifest = _resumed(manifest_path, folder, kind, key, resume, digest)
                ready = True
                yield manifest
                return
            others = sorted(p.name for p in folder.iterdir() if p.name not in prepared | {LOCK})
            if others:
                if resume:
                    raise UsageError(
                        f"--resume: {folder} holds no {kind} (no manifest.json); run without --resume"
                    )
                raise UsageError(
                    f"{folder} already exists and is not empty ({', '.join(others[:3])}): choose --out"
                )
            for name in prepared:  # an interrupted preparation: start it again
                path = folder / name
                if path.is_dir():
                    shutil.rmtree(path)
                else:
                    path.unlink(missing_ok=True)
            ready = True
            yield None
    finally:
        if created and not ready:  # refused before any work: leave no folder behind
            with contextlib.suppress(OSError):
                (folder / LOCK).unlink(missing_ok=True)
                folder.rmdir()


def _create(folder: Path, resume: bool, parents: bool, kind: str) -> bool:
    """Create the job's folder if it is missing; return whether this call created it."""
    if resume and not folder.is_dir():
        raise UsageError(f"--resume: {folder} holds no {kind} (no such folder); run without --resume")
    parent = folder.absolute().parent
    if not parents and not parent.is_dir():
        raise OutputError(
            f"the parent of the {kind} folder, {parent}, does not exist: create it, or add --parents"
        )
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{folder} is a file, not a {kind} folder: choose --out")
    existed = folder.is_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=folder_mode())
    except OSError as err:
        raise OutputError(f"cannot create the {kind} folder {folder}: {err.strerror or err}") from None
    return not existed


def _resumed(path: Path, folder: Path, kind: str, key: dict, resume: bool, digest: str | None) -> dict:
    if not resume:
        raise UsageError(f"{folder} already holds a {kind}: add --resume to continue it, or choose --out")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise UsageError(f"--resume: {path} cannot be read ({err}); start again with another --out") from None
    stored_kind = manifest.get("kind") if isinstance(manifest, dict) else None
    if stored_kind != _MANIFEST_KIND.get(kind, kind):
        raise UsageError(f"--resume: {folder} holds a {stored_kind or 'something else'}, not a {kind}")
    if "resume_key" not in manifest:  # written before resume keys: compare the file's text, as then
        if digest is None or manifest.get("spec_sha256") != digest:
            raise UsageError(
                f"--resume: {folder} was started from a different {kind} file; "
                f"start a new {kind} with another --out"
            )
        return manifest
    changed = what_changed(manifest.get("resume_key"), key)
    if changed:
        raise UsageError(
            f"--resume: {folder} was started with {changed}; its runs would not match: "
            f"start a new {kind} with another --out"
        )
    return manifest
