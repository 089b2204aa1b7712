"""The family registry: every folder under `gan_tf/families/` is one family, found here.

Each folder declares its `Family` (`gan_tf.families.Family`): the config dataclass (its fields
become the CLI's flags), the model class (imported only when a run needs it, so `gan-tf --help`
stays quick), the default global batch, the kind of data it trains on and what it draws from.
The CLI, the training driver (`gan_tf.training.driver`), the export path and the benchmarks read the
families from `FAMILIES`, in the order the folders declare; adding a family is adding its folder
(docs/extending.md: "Adding a family").
"""

import dataclasses
import importlib
import pkgutil

from gan_tf import families
from gan_tf.families import CAPTIONS, IMAGES, LATENT  # noqa: F401 (registry.IMAGES, ...: what a family draws from)

FAMILIES = {}
_ALIASES = {}  # {alias: family name}


def register(entry):
    """Adds a family: each folder's at import, or one defined outside the package (a plugin, or
    a test of the template)."""
    taken = set(FAMILIES) | set(_ALIASES)
    clashes = {entry.name, *entry.aliases} & taken
    if clashes:
        raise ValueError(f"family name(s) already taken: {', '.join(sorted(clashes))}")
    FAMILIES[entry.name] = entry
    _ALIASES.update({alias: entry.name for alias in entry.aliases})


def declared_families():
    """The `FAMILY` of every family folder, in their declared `order`: each folder of the
    package `gan_tf.families` (gan_tf/families/<name>/, named after its family)."""
    found = []
    for folder in pkgutil.iter_modules(families.__path__):
        if not folder.ispkg:
            continue
        entry = importlib.import_module(f"{families.__name__}.{folder.name}").FAMILY
        if entry.name != folder.name:
            raise ValueError(f"gan_tf/families/{folder.name}/ declares the family {entry.name!r}: "
                             "a family's folder is named after it")
        found.append(entry)
    return sorted(found, key=lambda entry: (entry.order, entry.name))


for _entry in declared_families():
    register(_entry)


def family(name):
    """The `Family` called `name` (or one of its aliases)."""
    key = _ALIASES.get(name, name)
    if key not in FAMILIES:
        raise ValueError(f"unknown family {name!r}; families: {', '.join(FAMILIES)}")
    return FAMILIES[key]


def preset_of(name, preset=None):
    """The preset a run of `name` asking for `preset` starts from: `preset`, except that an
    alias's own preset stands for "source" (and none): `wgan_gp` trains dcgan's `wgan_gp`
    preset, its source configuration when it was a family of its own."""
    own = family(name).aliases.get(name, "source")
    return own if preset in (None, "source") else preset


def run_name(name):
    """The name a run of `name` is filed under (its default folder `runs/<name>`): the family's,
    or the preset's for an alias that trains one, so `gan-tf train wgan_gp` keeps its own
    runs/wgan_gp beside runs/dcgan."""
    preset = preset_of(name)
    return family(name).name if preset == "source" else preset


def names(with_aliases=False):
    """Family keys (and their aliases) in registry order."""
    return [*FAMILIES, *(_ALIASES if with_aliases else ())]


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
