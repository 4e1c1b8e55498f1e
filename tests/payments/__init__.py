"""Tests of invoicing organisations, Stripe and its webhooks (against localstripe)."""
