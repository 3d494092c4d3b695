"""jiesu experiments: scenarios, runs, comparisons, sweeps, storage, figures and the CLI."""
