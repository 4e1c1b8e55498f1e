"""Matching experts to orders, and the coordinators' work pages."""
