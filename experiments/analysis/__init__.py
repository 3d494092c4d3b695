"""Analysis of results: run metrics, summaries across replicates, sensitivity indices."""
