"""pix2pix's hyper-parameters: the paper's defaults and the `fast` preset."""

import dataclasses
from typing import ClassVar

from gan_tf.config import ImageTranslationConfig

FAST = {"image_size": 128, "load_size": 256, "norm": "instance", "anneal": 0.5, "l1_weight": 150.0}


@dataclasses.dataclass(frozen=True)
class Pix2PixConfig(ImageTranslationConfig):
    """pix2pix (Isola et al. 2017): U-Net generator, PatchGAN on (input, target), BCE + 100 L1.

    The channels come from the data: paired records give both; an unpaired image folder is
    trained as colourisation (greyscale input, colour target), whose output keeps the input's
    luminance so the generator learns only the colour (`keep_luminance`, as the paper's
    L -> ab colourisation in Lab; paired data ignores it). `gan_weight` 0 trains the
    generator on L1 alone and no discriminator: the paper's L1-only ablation. The `fast`
    preset (chosen on facades' val split: docs/families/pix2pix.md) trains 128-px crops of the
    picture at 256 px with instance norm and an L1 weight of 150, annealed over the second half
    of a `--seconds` budget; `colourise` (chosen on the photos' val split) is `fast` with a 0.997
    average of the generator's weights, which keeps vivid colours and beats the grey image's PSNR."""

    DATA_FIELDS: ClassVar[tuple[str, ...]] = ("input_channels", "output_channels")
    PRESETS: ClassVar[dict[str, dict]] = {
        "fast": FAST, "colourise": {**FAST, "generator_ema": 0.997}}
    input_channels: int = 3
    output_channels: int = 3
    norm: str = "batch"
    dropout: float = 0.5
    l1_weight: float = 100.0
    gan_weight: float = 1.0
    keep_luminance: bool = True
