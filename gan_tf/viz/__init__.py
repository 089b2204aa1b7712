"""Pictures: image grids and PNG files, plots and animations."""
