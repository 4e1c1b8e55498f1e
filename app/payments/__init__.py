"""Organisations pay the bank: invoices, invoice lines and Stripe events."""
