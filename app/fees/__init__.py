"""Fees and travel costs: pure rules, versioned schedules, quotes."""
