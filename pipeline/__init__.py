"""Apache Beam preprocessing: raw sources -> sharded TFRecords + metadata.json.

The pipeline knows record formats (`gan_tf.data.records`), never models. It is imported as
`gan_tf.pipeline` (`gan_tf/pipeline` links here), so installed it lives inside the gan_tf package.
"""
