"""The file formats tables can be written in, importable without numpy or pandas (for the parser)."""

from __future__ import annotations

#: Formats of the panels and other tables: Parquet, CSV with BOM, Stata 118.
FORMATS = ("parquet", "csv", "dta")
