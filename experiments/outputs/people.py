"""Tables written for people: CSV files that Excel opens correctly, rounded, with documented columns.

Every CSV meant to be opened by a person is written as UTF-8 *with* a byte-order mark (Excel
otherwise reads the Chinese names as mojibake), with floats rounded to a few significant digits,
and with a companion ``NAME_columns.csv`` that says what each column holds (English and Chinese).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from jiesu.experiments.outputs.storage import write_atomic

#: Significant digits kept in tables written for people.
DIGITS = 4
ENCODING = "utf-8-sig"


def round_sig(values, digits: int = DIGITS) -> np.ndarray:
    """Round to ``digits`` significant digits (NaN and 0 unchanged).

    Example:
        >>> round_sig([0.123456, 1234567.0, 0.0]).tolist()
        [0.1235, 1235000.0, 0.0]
    """
    x = np.asarray(values, dtype=float)
    out = x.copy()
    ok = np.isfinite(x) & (x != 0)
    scale = 10.0 ** (digits - 1 - np.floor(np.log10(np.abs(x[ok]))))
    out[ok] = np.round(x[ok] * scale) / scale
    return out


def rounded(df: pd.DataFrame, digits: int = DIGITS) -> pd.DataFrame:
    """A copy of ``df`` with every float column rounded to ``digits`` significant digits."""
    out = df.copy()
    for column in out.columns:
        if pd.api.types.is_float_dtype(out[column]):
            out[column] = round_sig(out[column], digits)
    return out


def write_people_csv(
    df: pd.DataFrame, path: Path, columns: dict[str, tuple[str, str]] | None = None
) -> list[str]:
    """Write ``df`` rounded as UTF-8 with BOM, and its column documentation beside it.

    Args:
        df: The table.
        path: Destination ``NAME.csv`` (written atomically).
        columns: ``{column: (meaning in English, meaning in Chinese)}``; when given,
            ``NAME_columns.csv`` lists every column of ``df`` with its meaning.

    Returns:
        The names of the files written.
    """
    path = Path(path)
    write_atomic(path, lambda tmp: rounded(df).to_csv(tmp, index=False, encoding=ENCODING))
    if columns is None:
        return [path.name]
    doc = pd.DataFrame(
        [(c, *columns.get(c, ("", ""))) for c in df.columns], columns=["column", "meaning", "含义"]
    )
    doc_path = path.with_name(f"{path.stem}_columns.csv")
    write_atomic(doc_path, lambda tmp: doc.to_csv(tmp, index=False, encoding=ENCODING))
    return [path.name, doc_path.name]
