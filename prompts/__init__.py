"""Prompt templates and the sample shop policies the answer engine reads (data files)."""
