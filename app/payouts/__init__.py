"""Payouts to experts: items approved by four eyes, batches, bank and payroll exports."""
