"""Organisations that order experts, and their members."""
