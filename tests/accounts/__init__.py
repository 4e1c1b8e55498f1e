"""Tests of sign-up, sign-in, passwords and the account commands."""
