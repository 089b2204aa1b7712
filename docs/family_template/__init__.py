"""TemplateGAN, a template for a new family: say here what it is and which source it follows.

A family is one folder, `gan_tf/families/<name>/`, named after it. To add one, copy this folder
there, rename `template_gan` and `TemplateGAN` throughout, and fill in its four files:
- `__init__.py` (this file): the family's declaration, `FAMILY`;
- `config.py`: its hyper-parameters, whose defaults are its source's values;
- `networks.py`: its networks, plain functional Keras models;
- `model.py`: its model class, built from the config.
Nothing outside the folder changes: the registry (`gan_tf.registry`) finds it, and the CLI's
flags and help, the training driver, the export and the benchmarks then know the family.
`tests/test_family_template.py` adds this folder as gan_tf/families/template_gan/, trains it
through the driver and exports it, so the template keeps working.
"""

from gan_tf.families import Family
from gan_tf.families.template_gan.config import TemplateGANConfig

FAMILY = Family(
    "template_gan", TemplateGANConfig, "gan_tf.families.template_gan.model:TemplateGAN",
    "one-hidden-layer GAN", "images",
    order=100,  # where `gan-tf train --help` lists it: after the package's families (10 to 90)
    # Where they differ from these defaults: default_batch_size=128, preset_batch_sizes={}
    # ({preset: the batch it was tuned at}), draws_from=LATENT (IMAGES for image-to-image,
    # CAPTIONS for text-to-image), aliases={} ({other name: the preset it trains}).
)
