"""One bad-input table per primitive (see tests/_sweep.py)."""
