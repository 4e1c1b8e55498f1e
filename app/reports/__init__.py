"""Reports across domains: participation figures by group, order and organisation."""
