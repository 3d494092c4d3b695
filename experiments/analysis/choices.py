"""The choices offered by the panel and event-history analyses, importable without numpy or pandas.

The command line lists them in its parser, which must be built before anything heavy is imported
(``jiesu --help`` and every command start fast); the analysis modules take them from here.
"""

from __future__ import annotations

#: Panel periods: city-year or city-month.
PERIODS = ("year", "month")
#: File formats of the panels.
FORMATS = ("parquet", "csv", "dta")
#: Hazard-model links.
LINKS = ("logit", "cloglog")
#: Duration dependence of the hazard models.
DURATIONS = ("spline", "dummies", "linear", "none")
#: Clustering of the standard errors.
CLUSTERS = ("auto", "unit", "run", "unit+run")
