"""The web shell: layout helpers, language choice, error pages, landing page."""
