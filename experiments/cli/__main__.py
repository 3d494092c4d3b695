"""``python -m jiesu.experiments.cli``: the same as the ``jiesu`` command."""

from jiesu.experiments.cli.main import main

raise SystemExit(main())
