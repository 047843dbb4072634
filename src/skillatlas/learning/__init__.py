"""Closing skill gaps: the training catalogue, gap analysis, optimal training paths and development plans."""
