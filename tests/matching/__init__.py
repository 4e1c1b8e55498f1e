"""Tests of matching experts to orders."""
