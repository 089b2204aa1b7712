"""The model families, one folder each: `gan_tf/families/<name>/` is the whole family.

A family's folder holds
- `__init__.py`: its declaration, `FAMILY = Family(...)` (below);
- `config.py`: its hyper-parameters and presets, a frozen `gan_tf.config.Config` dataclass whose
  defaults are its source's values;
- `networks.py`: its networks, plain functional Keras models (where it has its own);
- `model.py`: its `keras.Model` subclass, built from the config, with its serving endpoints.

The registry (`gan_tf.registry`) finds every folder here, so adding a family is adding a folder
(docs/family_template/ is one to copy; docs/extending.md says how). What families share stays
outside: the model bases (`gan_tf.models`), networks used by several families
(`gan_tf.networks`), the config bases (`gan_tf.config`), layers and losses.

A folder's `__init__.py` and `config.py` import no TensorFlow, so that `gan-tf --help` stays
quick: the model module is imported only when a run needs it.
"""

import dataclasses
import importlib

LATENT, IMAGES, CAPTIONS = "latent", "images", "captions"  # what a family's samples are drawn from


@dataclasses.dataclass(frozen=True)
class Family:
    """One model family, as its folder declares it.

    Args:
        name: its key, lower case with words joined by `_`: the name of its folder and of its
            `gan-tf train` command.
        config_class: its config dataclass (`gan_tf.config.Config`); every field but its
            `DATA_FIELDS` is a `gan-tf train` flag.
        model: its model class as "module:Class", imported only when needed (a family with
            stages names its first, and the class's `model_class_for(config)` picks the stage's).
        summary: what it is, in a few words (`gan-tf train --help`).
        data: the data it trains on.
        order: where it is listed (`gan-tf train --help`, the docs, `FAMILIES`): lower first.
        default_batch_size: the global batch of a run that names none.
        preset_batch_sizes: {preset: the global batch it was tuned at}, the default batch of a
            run of that preset.
        draws_from: what its samples are drawn from: LATENT, IMAGES or CAPTIONS.
        aliases: {other name: the preset it trains}, names `gan-tf train` also takes for this
            family ("source" for another spelling of its name). `wgan_gp` is `dcgan` with the
            `wgan_gp` preset.
    """

    name: str
    config_class: type
    model: str
    summary: str
    data: str
    order: int = 100
    default_batch_size: int = 128
    preset_batch_sizes: dict = dataclasses.field(default_factory=dict)
    draws_from: str = LATENT
    aliases: dict = dataclasses.field(default_factory=dict)

    def model_class(self):
        module, name = self.model.split(":")
        return getattr(importlib.import_module(module), name)

    def batch_size(self, preset="source"):
        """The default global batch of a run of `preset`: the one it was tuned at, else the
        family's."""
        return self.preset_batch_sizes.get(preset, self.default_batch_size)

    def help(self):
        """One line for `--help`: what it is, its data and default batch."""
        return f"{self.summary}; data: {self.data}; default batch {self.default_batch_size}"
