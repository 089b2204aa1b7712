"""Text encoders for text-conditional families: a TensorFlow port of all-MiniLM-L6-v2 and a
WordPiece tokenizer in TensorFlow ops, so a SavedModel can take raw caption strings."""
