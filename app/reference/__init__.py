"""Reference data: expertise areas, municipalities and postcodes."""
