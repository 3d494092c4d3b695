"""Writing results: tidy tables, Parquet files, manifests, folders that are never half-written."""
