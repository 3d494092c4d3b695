"""Reference data shipped with jiesu (sources in the companion .md files)."""
