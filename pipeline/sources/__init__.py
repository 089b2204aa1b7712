"""Sources: each turns raw files into PCollections of batches of examples per split.

An example is (uint8 image [H, W, C], label, ...) in the argument order of
`gan_tf.data.records.serialize_example`. A batch holds its examples' fields as columns (images,
labels, ...: arrays or lists, one entry per example): a chunk of a file of many images, or the
one example of an image file. Sources of small images so pay Beam's per-element costs per
chunk rather than per image, and a chunk's images stay one array (Beam sizes its elements by
encoding them: a list of 10,000 arrays was pickled array by array).

A source object describes itself (class names, image shape, split names, the files it reads)
and builds its Beam reading step; `gan_tf.pipeline.preprocess` does the rest the same way for all.
"""

import apache_beam as beam

REJECTED = "rejected"
ACCEPTED = "accepted"


class Source:
    """Interface of a preprocessing source."""

    name: str
    class_names: list
    image_shape: tuple
    splits: tuple
    files: list

    def read(self, pipeline, split):
        """Returns (examples, rejected): PCollections of example batches and of reject dicts."""
        raise NotImplementedError


def empty(pipeline, label):
    """An empty PCollection, for sources that never reject a record."""
    return pipeline | label >> beam.Create([])


def rejection(path, error):
    """A decoder's outcome for an unusable input: (REJECTED, {path, reason})."""
    return REJECTED, {"path": path, "reason": f"{type(error).__name__}: {error}"}


def split_outcomes(outcomes, split):
    """(examples, rejected) from a PCollection of (ACCEPTED, example) and `rejection`s, each
    accepted example a batch of its own (columns of one entry).

    Stands in for a multi-output ParDo (`with_outputs`), which Beam's DaskRunner does not
    support: it puts every tagged output in one bag, so rejects reached the examples' steps.
    """
    examples = outcomes | f"Accepted{split}" >> beam.FlatMap(_of_kind, ACCEPTED, batch=True)
    rejected = outcomes | f"Rejected{split}" >> beam.FlatMap(_of_kind, REJECTED)
    return examples, rejected


def _of_kind(outcome, kind, batch=False):
    if outcome[0] == kind:
        yield tuple([field] for field in outcome[1]) if batch else outcome[1]
