"""Serving: SavedModel export, TensorFlow Serving glue, tiled translation and the clients."""
