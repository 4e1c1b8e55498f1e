"""Tests of organisations: business IDs, members."""
