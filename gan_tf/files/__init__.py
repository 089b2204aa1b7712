"""Files: writes that fail cleanly, temporary names and folder locks."""
