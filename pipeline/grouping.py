"""Grouping by key into a fixed set of groups, the way every Beam runner here spreads work."""

import apache_beam as beam


def group_into(keyed, label, keys):
    """(key, [values]) for each of `keys` from (key, value) pairs, one list per key even where
    no value has it (a None seed per key, dropped after grouping): files are written whole per
    key. The seeds also spread the groups over workers on the DaskRunner, whose `Reshuffle`
    moves nothing: a grouping's output has as many Dask partitions as its inputs together."""
    seeds = keyed.pipeline | f"Seed{label}" >> beam.Create([(key, None) for key in keys])
    return (
        (keyed, seeds)
        | f"Seeded{label}" >> beam.Flatten()
        | f"Group{label}" >> beam.GroupByKey()
        | f"Unseed{label}" >> beam.MapTuple(lambda key, values: (key, [v for v in values if v is not None]))
    )
