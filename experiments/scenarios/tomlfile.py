"""Reading the project's TOML files (scenarios, sweeps, calibrations) strictly, with typed keys.

Every such file passes through :func:`read_toml`: only a regular file is opened (a FIFO or a
device would hang or never end), its size is bounded, its text must be UTF-8 (a byte-order mark,
as Windows editors write, is accepted), and a parse error, a nesting too deep for the parser or
an undecodable byte becomes one line naming the file. :func:`check_types` then checks every key
against its declared type, so that ``hidden = "no"`` or ``extends = 5`` are named, not misread.

Example:
    >>> data = parse_toml("hidden = false", "example.toml", ValueError)
    >>> check_types(data, {"name": TEXT, "hidden": BOOL}, "example.toml", ValueError)
    {'hidden': False}
"""

from __future__ import annotations

import math
import os
import stat
import tomllib
from pathlib import Path

from jiesu.experiments.limits import LIMITS

#: Declared types of keys (what :func:`check_types` accepts, and how a message says it).
TEXT = "text"
BOOL = "bool"
INT = "int"
NUMBER = "number"
TABLE = "table"
TABLES = "tables"
TEXTS = "texts"
TEXT_OR_TEXTS = "text_or_texts"
TEXT_OR_INT = "text_or_int"

_SAY = {
    TEXT: 'text in quotes, e.g. "beijing"',
    BOOL: "true or false, without quotes",
    INT: "a whole number, without quotes",
    NUMBER: "a number, without quotes",
    TABLE: "a table ([section] with NAME = value lines)",
    TABLES: "an array of tables ([[section]] blocks)",
    TEXTS: 'a list of texts, e.g. ["a", "b"]',
    TEXT_OR_TEXTS: 'text or a list of texts, e.g. "a,b" or ["a", "b"]',
    TEXT_OR_INT: 'text in quotes or a whole number, e.g. "Beijing" or 110000',
}


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _fits(value, kind: str) -> bool:
    if kind == TEXT:
        return isinstance(value, str)
    if kind == BOOL:
        return isinstance(value, bool)
    if kind == INT:
        return _is_int(value)
    if kind == NUMBER:
        return (_is_int(value) and abs(value) < 2**1023) or (
            isinstance(value, float) and math.isfinite(value)
        )
    if kind == TABLE:
        return isinstance(value, dict)
    if kind == TABLES:
        return isinstance(value, list) and all(isinstance(v, dict) for v in value)
    if kind == TEXTS:
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    if kind == TEXT_OR_TEXTS:
        return isinstance(value, str) or _fits(value, TEXTS)
    if kind == TEXT_OR_INT:
        return isinstance(value, str) or _is_int(value)
    raise KeyError(kind)


def describe(kind: str) -> str:
    """How a message says a declared type (``true or false, without quotes``)."""
    return _SAY[kind]


def check_types(data: dict, schema: dict[str, str], where: str, error: type[Exception]) -> dict:
    """Return ``data`` if every key is declared in ``schema`` and holds a value of its type.

    Args:
        data: A parsed TOML table.
        schema: Key -> declared type (:data:`TEXT`, :data:`BOOL`, ...).
        where: The file or table, for the message.
        error: The exception to raise (the caller's, e.g. ``ScenarioError``).

    Raises:
        error: For an unknown key (listing the allowed ones) or a value of the wrong type
            (saying what to write).
    """
    unknown = set(data) - set(schema)
    if unknown:
        raise error(f"{where}: unknown key(s) {sorted(unknown)}; allowed: {sorted(schema)}")
    for key, value in data.items():
        if not _fits(value, schema[key]):
            raise error(f"{where}: {key} must be {_SAY[schema[key]]}, got {_show(value)}")
    return data


def _show(value) -> str:
    """A value as a message shows it: short, on one line."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def read_toml(path: Path, what: str, error: type[Exception]) -> tuple[dict, str]:
    """Parse the TOML file at ``path``; return its table and its text.

    Args:
        path: The file.
        what: What it is, for messages (``scenario file``).
        error: The exception to raise.

    Raises:
        error: If the path is missing, not a regular file, too large, unreadable, not UTF-8
            or not valid TOML (including a nesting too deep to parse).
    """
    path = Path(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        raise error(f"{what} {path} does not exist") from None
    except OSError as err:
        raise error(f"cannot read {what} {path}: {err.strerror or err}") from None
    if not stat.S_ISREG(info.st_mode):
        kind = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file (a pipe or device?)"
        raise error(f"{what} {path} is {kind}: give a .toml file")
    limit = LIMITS["file"]
    if info.st_size > limit.high:
        raise error(f"{what} {path} has {info.st_size:,} bytes, above the limit of {limit.rule}: {limit.fix}")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as fh:
            raw = fh.read(limit.high + 1)
    except OSError as err:
        raise error(f"cannot read {what} {path}: {err.strerror or err}") from None
    text = decode(raw, f"{what} {path}", error)
    return parse_toml(text, f"{what} {path}", error), text


def decode(raw: bytes, where: str, error: type[Exception]) -> str:
    """UTF-8 text of ``raw`` without a leading byte-order mark.

    Raises:
        error: Naming the line of the first byte that is not UTF-8.
    """
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise error(
            f"{where} is not UTF-8 text (byte 0x{raw[err.start]:02x} on line {line}): save it as UTF-8"
        ) from None
    return text.removeprefix("\ufeff")


def parse_toml(text: str, where: str, error: type[Exception]) -> dict:
    """Parse TOML text (a leading byte-order mark is ignored).

    Raises:
        error: For text that is not valid TOML or nests too deeply to parse.
    """
    try:
        return tomllib.loads(text.removeprefix("\ufeff"))
    except tomllib.TOMLDecodeError as err:
        raise error(f"{where}: not valid TOML ({err})") from None
    except RecursionError:
        raise error(f"{where}: arrays or tables nested too deeply to read; flatten them") from None
