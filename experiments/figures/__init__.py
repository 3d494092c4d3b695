"""Figures: functions that take result tables and return matplotlib figures (English or Chinese)."""
