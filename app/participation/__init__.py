"""Participation: feedback after assignments, groups, co-development, reporting back."""
