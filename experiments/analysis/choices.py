"""The choices offered by the panel and event-history analyses, importable without numpy or pandas.

(The panels' file formats are in :mod:`experiments.outputs.format_names`, for the same reason.)

The command line lists them in its parser, which must be built before anything heavy is imported
(``jiesu --help`` and every command start fast); the analysis modules take them from here.
"""

from __future__ import annotations

#: Panel periods: city-year or city-month.
PERIODS = ("year", "month")
#: Hazard-model links.
LINKS = ("logit", "cloglog")
#: Duration dependence of the hazard models.
DURATIONS = ("spline", "dummies", "linear", "none")
#: Clustering of the standard errors.
CLUSTERS = ("auto", "unit", "run", "unit+run")
