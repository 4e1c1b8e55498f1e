"""Benchmarks (run by hand or with make; not collected by pytest)."""
