"""The family registry: every model family is declared here once.

A `Family` names the config dataclass (its fields become the CLI's flags), the model class
(imported only when a run needs it, so `gan-tf --help` stays quick), the default global batch
size, the kind of data it trains on and what it draws from. The CLI, the training driver
(`gan_tf.training`), the export path and the benchmarks read the families from `FAMILIES`;
adding a family is its networks file, its model file and one entry below (docs/extending.md:
"Adding a family").
"""

import dataclasses
import importlib

from gan_tf import config as configs

LATENT, IMAGES, CAPTIONS = "latent", "images", "captions"  # what a family's samples are drawn from


@dataclasses.dataclass(frozen=True)
class Family:
    """One model family: `name` is its key (lower case, words joined by `_`); `aliases` are
    older spellings still accepted; `model` is "module:Class" (a family with stages names its
    first, and the class's `model_class_for(config)` picks the stage's)."""

    name: str
    config_class: type
    model: str
    summary: str
    data: str
    default_batch_size: int = 128
    draws_from: str = LATENT
    aliases: tuple[str, ...] = ()

    def model_class(self):
        module, name = self.model.split(":")
        return getattr(importlib.import_module(module), name)

    def help(self):
        """One line for `--help`: what it is, its data and default batch."""
        return f"{self.summary}; data: {self.data}; default batch {self.default_batch_size}"


FAMILIES = {family.name: family for family in (
    Family("fashion_gan", configs.FashionGANConfig, "gan_tf.models.fashion_gan:FashionGAN",
           "DCGAN-style GAN of the source material", "images (Fashion-MNIST)"),
    Family("vanilla", configs.VanillaGANConfig, "gan_tf.models.vanilla_gan:VanillaGAN",
           "fully connected GAN", "images or 2-D points"),
    Family("dcgan", configs.DCGANConfig, "gan_tf.models.dcgan:DCGAN",
           "DCGAN (Radford et al. 2016)", "images (64x64 RGB by default)"),
    Family("wgan_gp", configs.WGANGPConfig, "gan_tf.models.dcgan:WGANGP",
           "WGAN-GP on the DCGAN networks", "images", aliases=("wgan-gp",)),
    Family("cgan", configs.ConditionalGANConfig, "gan_tf.models.conditional_gan:ConditionalGAN",
           "label-conditional GAN", "labelled images"),
    Family("vae", configs.VAEConfig, "gan_tf.models.vae:VAE",
           "variational autoencoder", "images"),
    Family("cvae", configs.CVAEConfig, "gan_tf.models.vae:CVAE",
           "label-conditional VAE", "labelled images"),
    Family("cyclegan", configs.CycleGANConfig, "gan_tf.models.cyclegan:CycleGAN",
           "unpaired image-to-image translation", "image_domains (trainA/trainB)",
           default_batch_size=1, draws_from=IMAGES),
    Family("pix2pix", configs.Pix2PixConfig, "gan_tf.models.pix2pix:Pix2Pix",
           "paired image-to-image translation", "side_by_side pairs, or colour images "
           "(colourisation)", default_batch_size=1, draws_from=IMAGES),
    Family("stackgan", configs.StackGANConfig, "gan_tf.models.stackgan:StackGANStageI",
           "two-stage text-to-image GAN (--stage 1, then --stage 2)", "captioned images",
           default_batch_size=64, draws_from=CAPTIONS),
)}

_NAMES = {alias: family.name for family in FAMILIES.values() for alias in family.aliases}


def register(entry):
    """Adds a family defined outside the package (a plugin, or a test of the template)."""
    taken = set(FAMILIES) | set(_NAMES)
    clashes = ({entry.name, *entry.aliases} & taken)
    if clashes:
        raise ValueError(f"family name(s) already taken: {', '.join(sorted(clashes))}")
    FAMILIES[entry.name] = entry
    _NAMES.update({alias: entry.name for alias in entry.aliases})


def family(name):
    """The `Family` called `name` (or one of its aliases)."""
    key = _NAMES.get(name, name)
    if key not in FAMILIES:
        raise ValueError(f"unknown family {name!r}; families: {', '.join(FAMILIES)}")
    return FAMILIES[key]


def names(with_aliases=False):
    """Family keys (and their aliases) in registry order."""
    return [*FAMILIES, *(_NAMES if with_aliases else ())]


def import_models():
    """Imports every family's model classes, registering them with Keras (before loading a
    `.keras` file of any family)."""
    for entry in FAMILIES.values():
        entry.model_class()


def family_of(model):
    """The `Family` of a model (each family has a config class of its own)."""
    return family_of_config(model.config)


def family_of_config(config):
    """The `Family` whose config class `config` is."""
    for entry in FAMILIES.values():
        if type(config) is entry.config_class:
            return entry
    raise ValueError(f"{type(config).__name__} is not a registered family's config")


def families_with_fields(names):
    """The names of the families whose configs have exactly the fields `names`."""
    return [entry.name for entry in FAMILIES.values()
            if {field.name for field in dataclasses.fields(entry.config_class)} == set(names)]
