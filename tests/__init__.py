"""The test suite of Kokemuspankki."""
