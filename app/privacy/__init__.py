"""Data rights: a person's export of everything the bank holds about them, and closing an
account (personal data removed, bookkeeping records kept anonymised)."""
