"""Tests of the web layer: access control, CSRF, templates; shared page helpers."""
