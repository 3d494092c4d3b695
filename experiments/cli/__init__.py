"""The ``jiesu`` command line: one module per command, shared options in :mod:`.options`.

This package is the only place that parses arguments (argparse) or prints for a person;
every command calls library code in :mod:`jiesu.experiments` that a notebook can call too.
"""
