"""Small building blocks shared by every domain: column types and time helpers."""
