"""Command-line helpers: range-checked argument types and quiet native logs."""
