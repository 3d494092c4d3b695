"""Executing runs: one simulation (:mod:`.runner`), or many at once (:mod:`.parallel`)."""
