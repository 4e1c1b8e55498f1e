"""Retention: how long the bank keeps each kind of record, and the daily clean-up."""
