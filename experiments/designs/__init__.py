"""Experiment designs: a single run, a scenario comparison, a parameter sweep, each written as a folder."""
