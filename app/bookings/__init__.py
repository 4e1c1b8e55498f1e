"""Ordering and booking: orders, sessions, invitations, assignments, reports."""
