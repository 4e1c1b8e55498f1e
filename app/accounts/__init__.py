"""Accounts: users, roles, passwords, sign-in, API tokens."""
