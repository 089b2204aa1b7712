"""Sources: each turns raw files into PCollections of (uint8 image [H, W, C], label) per split.

A source object describes itself (class names, image shape, split names, the files it reads)
and builds its Beam reading step; `pipeline.preprocess` does the rest the same way for all.
"""

import apache_beam as beam

REJECTED = "rejected"


class Source:
    """Interface of a preprocessing source."""

    name: str
    class_names: list
    image_shape: tuple
    splits: tuple
    files: list

    def read(self, pipeline, split):
        """Returns (examples, rejected): PCollections of (image, label) and of reject dicts."""
        raise NotImplementedError


def empty(pipeline, label):
    """An empty PCollection, for sources that never reject a record."""
    return pipeline | label >> beam.Create([])
