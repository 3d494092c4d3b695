"""jiesu experiments: scenarios, runs, comparisons, sweeps, their analysis, storage, figures and the CLI.

Rooms, and the direction of imports (a module imports only from rooms listed after its own):

* :mod:`.cli` — the command line (the only place that parses arguments);
* :mod:`.api` — the Python API of ``import jiesu`` (``Simulation``, ``Comparison``);
* :mod:`.designs` — single runs, comparisons, sweeps, calibrations, panels, the validation page,
  each written as a results folder or document;
* :mod:`.reports` — documents generated from the code and from results (``jiesu report``);
* :mod:`.figures` — what draws results;
* :mod:`.execution` — running one simulation, or many in parallel; ABC-SMC; posteriors;
* :mod:`.analysis` — run metrics, summaries, sensitivity indices, calibration targets, panels
  and hazard models;
* :mod:`.outputs` — tidy tables, Parquet, manifests;
* :mod:`.scenarios` — scenario files and their loader; :mod:`.errors`.
"""
