"""Measurement instruments: growth z-scores (WHO Child Growth Standards, 2006)."""
