"""Apache Beam preprocessing: raw sources -> sharded TFRecords + metadata.json.

The pipeline knows record formats (`gan_tf.records`), never models.
"""
