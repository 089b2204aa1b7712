"""Generators and discriminator shared by CycleGAN and pix2pix (Isola et al. 2017; Zhu et al. 2017).

- `unet_generator`: conv 4x4 stride 2 + norm + LeakyReLU(0.2) down to 1x1, transposed conv 4x4
  stride 2 + norm + (dropout in the first three) + ReLU up, each level concatenated with its
  mirror, tanh output. The outermost and innermost down blocks have no norm (as in the papers'
  code: a 1x1 map has no spatial statistics to normalise).
- `resnet_generator`: reflection pad + 7x7 conv, two stride-2 downsamplings, `blocks` residual
  blocks with reflection padding, two transposed-conv upsamplings, 7x7 conv, tanh (CycleGAN's
  default at 256 px is 9 blocks).
- `patchgan_discriminator`: the 70x70 PatchGAN: a map of real/fake scores (30x30 at 256 px),
  one per overlapping 70x70 patch; raw outputs (logits for BCE, scores for least squares).

Weights start from N(0, 0.02), the papers' initialisation. `norm` is "instance", "batch" or "none".
`upsample` "transpose" is the papers' transposed convolutions; "resize" doubles the size by
nearest neighbours and then convolves (3x3), which cannot draw the checkerboard that strided
transposed kernels leave until they are well trained (Odena et al. 2016, "Deconvolution and
Checkerboard Artifacts").
"""

import math

import keras

from gan_tf.networks.layers import KeepLuminance, ReflectionPadding2D, normalization

GENERATORS = ("resnet", "unet")
UPSAMPLINGS = ("transpose", "resize")


def _init():
    return keras.initializers.RandomNormal(0.0, 0.02)


def _upsampling(filters, kernel, upsample, use_bias=True, **kwargs):
    """A layer that doubles height and width: a stride-2 transposed convolution of `kernel`
    ("transpose") or nearest-neighbour resize + 3x3 convolution ("resize")."""
    if upsample == "transpose":
        return keras.layers.Conv2DTranspose(filters, kernel, strides=2, padding="same", use_bias=use_bias,
                                            kernel_initializer=_init(), **kwargs)
    if upsample != "resize":
        raise ValueError(f"unknown upsample {upsample!r}; choose one of {', '.join(UPSAMPLINGS)}")
    convolution = keras.layers.Conv2D(filters, 3, padding="same", use_bias=use_bias, kernel_initializer=_init(),
                                      **kwargs)
    return lambda x: convolution(keras.layers.UpSampling2D(2)(x))


def _check_size(image_size, multiple, what):
    if image_size < multiple or image_size % multiple:
        raise ValueError(f"{what} needs an image size that is a multiple of {multiple}, got {image_size}")


def unet_generator(image_size, input_channels, output_channels, filters=64, norm="instance",
                   dropout=0.5, dropout_blocks=3, upsample="transpose", keep_luminance=False,
                   name="unet_generator"):
    """The pix2pix U-Net; `keep_luminance` (grey input, colour output) gives the output the
    input's luminance, so the network supplies only the colour (`layers.KeepLuminance`)."""
    depth = int(round(math.log2(image_size)))
    if 2**depth != image_size or depth < 3:
        raise ValueError(f"the U-Net needs a power-of-two image size >= 8, got {image_size}")
    inputs = keras.Input((image_size, image_size, input_channels), name="images")
    x, skips = inputs, []
    for level in range(depth):
        with_norm = 0 < level < depth - 1
        x = keras.layers.Conv2D(filters * min(2**level, 8), 4, strides=2, padding="same",
                                use_bias=not with_norm, kernel_initializer=_init())(x)
        if with_norm:
            x = normalization(norm)(x)
        x = keras.layers.LeakyReLU(0.2)(x)
        skips.append(x)
    for index, skip in enumerate(reversed(skips[:-1])):
        x = _upsampling(skip.shape[-1], 4, upsample, use_bias=norm == "none")(x)
        x = normalization(norm)(x)
        if index < dropout_blocks and dropout:
            x = keras.layers.Dropout(dropout)(x)
        x = keras.layers.ReLU()(x)
        x = keras.layers.Concatenate()([x, skip])
    outputs = _upsampling(output_channels, 4, upsample, activation="tanh", dtype="float32")(x)
    if keep_luminance:
        if (input_channels, output_channels) != (1, 3):
            raise ValueError("keep_luminance needs a grey input and a colour output "
                             f"(colourisation), got {input_channels} -> {output_channels} channels")
        outputs = KeepLuminance(dtype="float32")([inputs, outputs])
    return keras.Model(inputs, outputs, name=name)


def _conv_norm_relu(x, filters, kernel, norm, strides=1, padding="same", upsample=None):
    """Convolution (an upsampling by 2 when `upsample` names how), norm, ReLU."""
    if upsample:
        x = _upsampling(filters, kernel, upsample, use_bias=norm == "none")(x)
    else:
        x = keras.layers.Conv2D(filters, kernel, strides=strides, padding=padding, use_bias=norm == "none",
                                kernel_initializer=_init())(x)
    return keras.layers.ReLU()(normalization(norm)(x))


def _residual_block(x, norm):
    filters = x.shape[-1]
    y = _conv_norm_relu(ReflectionPadding2D(1)(x), filters, 3, norm, padding="valid")
    y = keras.layers.Conv2D(filters, 3, padding="valid", use_bias=norm == "none",
                            kernel_initializer=_init())(ReflectionPadding2D(1)(y))
    return keras.layers.Add()([x, normalization(norm)(y)])


def resnet_generator(image_size, input_channels, output_channels, filters=64, norm="instance",
                     blocks=9, upsample="transpose", name="resnet_generator"):
    _check_size(image_size, 4, "the ResNet generator")
    inputs = keras.Input((image_size, image_size, input_channels), name="images")
    x = _conv_norm_relu(ReflectionPadding2D(3)(inputs), filters, 7, norm, padding="valid")
    for multiple in (2, 4):
        x = _conv_norm_relu(x, filters * multiple, 3, norm, strides=2)
    for _ in range(blocks):
        x = _residual_block(x, norm)
    for multiple in (2, 1):
        x = _conv_norm_relu(x, filters * multiple, 3, norm, upsample=upsample)
    x = keras.layers.Conv2D(output_channels, 7, padding="valid", kernel_initializer=_init())(
        ReflectionPadding2D(3)(x)
    )
    outputs = keras.layers.Activation("tanh", dtype="float32")(x)
    return keras.Model(inputs, outputs, name=name)


def build_generator(kind, image_size, input_channels, output_channels, filters, norm,
                    residual_blocks=9, dropout=0.5, upsample="transpose", name=None):
    """The generator `kind` ("resnet" or "unet") names."""
    if kind == "resnet":
        return resnet_generator(image_size, input_channels, output_channels, filters, norm,
                                residual_blocks, upsample, name=name or "resnet_generator")
    if kind == "unet":
        return unet_generator(image_size, input_channels, output_channels, filters, norm,
                              dropout, upsample=upsample, name=name or "unet_generator")
    raise ValueError(f"unknown generator {kind!r}; choose one of {', '.join(GENERATORS)}")


def patchgan_discriminator(image_size, channels, filters=64, norm="instance", layers=3,
                           name="patchgan_discriminator"):
    """PatchGAN with `layers` stride-2 blocks (3 gives 70x70 receptive fields)."""
    inputs = keras.Input((image_size, image_size, channels), name="images")
    x = inputs
    for index in range(layers + 1):
        strides = 2 if index < layers else 1
        x = keras.layers.ZeroPadding2D(1)(x)
        x = keras.layers.Conv2D(filters * min(2**index, 8), 4, strides=strides, padding="valid",
                                use_bias=index == 0 or norm == "none",
                                kernel_initializer=_init())(x)
        if index:
            x = normalization(norm)(x)
        x = keras.layers.LeakyReLU(0.2)(x)
    x = keras.layers.ZeroPadding2D(1)(x)
    outputs = keras.layers.Conv2D(1, 4, padding="valid", kernel_initializer=_init(), dtype="float32")(x)
    return keras.Model(inputs, outputs, name=name)
