"""Test-only helpers: throwaway databases and servers."""
