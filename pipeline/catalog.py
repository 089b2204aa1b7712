"""Every source `gan-tf preprocess` can read, by name, and the one function that makes it.

`KINDS` lists the names (TFDS names for the canonical data sets, layouts for folders); the
readers are imported only when a source is made, so the CLI's `--help` stays quick.
"""

KINDS = ("fashion_mnist", "mnist", "cifar10", "image_folder", "image_domains", "side_by_side",
         "captioned_fashion_mnist", "captioned_mnist", "cub")


def make_source(kind, source=None, image_size=64, channels=3, input_side="right", embedder="minilm",
                embeddings=None, captions_per_image=5):
    """The `Source` of `kind` reading `source` (a folder; canonical data sets download through
    TFDS without it). Folders are read at `image_size` with `channels`; `side_by_side` takes
    the `input_side` half as input; captioned kinds embed with `embedder` (`embeddings`:
    "train=PATH[,test=PATH]" for the precomputed one)."""
    from gan_tf.pipeline.datasets import LOCAL_HINTS, dataset_source
    from gan_tf.pipeline.sources.image_folder import ImageFolderSource
    from gan_tf.pipeline.sources.image_pairs import DomainFolderSource, SideBySideSource

    if kind not in KINDS:
        raise ValueError(f"unknown data set {kind!r}; known: {', '.join(KINDS)}")
    if kind in ("image_folder", "image_domains", "side_by_side", "cub") and not source:
        raise ValueError(f"{kind} needs --source DIR")
    if kind.startswith("captioned_") or kind == "cub":
        from gan_tf.pipeline.embedders import make_embedder
        from gan_tf.pipeline.sources.captions import CubSource, captioned_idx_source

        files = dict(item.split("=", 1) for item in embeddings.split(",")) if embeddings else None
        text_embedder = make_embedder(embedder, files)
        if kind == "cub":
            return CubSource(source, text_embedder, image_size, channels)
        name = kind.removeprefix("captioned_")
        if not source:
            raise ValueError(f"{kind} needs --source with the IDX files, e.g. {LOCAL_HINTS[name]}")
        return captioned_idx_source(name, source, text_embedder, captions_per_image)
    if kind == "image_folder":
        return ImageFolderSource(source, image_size, channels)
    if kind == "image_domains":
        return DomainFolderSource(source, image_size, channels)
    if kind == "side_by_side":
        return SideBySideSource(source, image_size, channels, input_side=input_side)
    return dataset_source(kind, source)
