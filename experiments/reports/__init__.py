"""Documents generated from the code and from results (the generated tables of ``docs/model.md``)."""
