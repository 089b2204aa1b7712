"""Scores of image-to-image translations, on uint8 images [N, H, W, C].

The quality runs of CycleGAN, pix2pix and colourisation report these against the real test
images (issue #29's protocol):

- `l1`: mean absolute difference on the [-1, 1] scale the networks train on (pix2pix's L1);
- `psnr`, `ssim`: TensorFlow's `tf.image.psnr` / `tf.image.ssim` at a 255 peak, averaged
  over the images; `content_ssim` compares the luminance of two images only, which is what a
  translation that restyles an image should keep;
- `detail`: the mean absolute difference between neighbouring pixels (grey levels): blur
  lowers it, so a translation's detail over the real target images' tells smearing apart
  from texture;
- `colourfulness`: Hasler and Suesstrunk's (2003) M = sigma_rgyb + 0.3 mu_rgyb, per image,
  averaged.
"""

import numpy as np
import tensorflow as tf


def _float(images):
    return tf.cast(tf.convert_to_tensor(images), tf.float32)


def luminance(images):
    """[N, H, W, 1] float luminance (ITU-R 601, as `tf.image.rgb_to_grayscale`) of grey or
    colour images."""
    images = _float(images)
    return images if images.shape[-1] == 1 else tf.image.rgb_to_grayscale(images)


def l1(outputs, targets):
    return float(tf.reduce_mean(tf.abs(_float(outputs) - _float(targets))) / 127.5)


def psnr(outputs, targets):
    return float(tf.reduce_mean(tf.image.psnr(_float(outputs), _float(targets), max_val=255.0)))


def ssim(outputs, targets):
    return float(tf.reduce_mean(tf.image.ssim(_float(outputs), _float(targets), max_val=255.0)))


def content_ssim(translations, inputs):
    """SSIM between the luminance of each input and of its translation."""
    return ssim(luminance(translations), luminance(inputs))


def detail(images):
    """Mean absolute horizontal and vertical neighbour difference of the luminance."""
    grey = luminance(images)
    across = tf.abs(grey[:, :, 1:] - grey[:, :, :-1])
    down = tf.abs(grey[:, 1:] - grey[:, :-1])
    return float((tf.reduce_mean(across) + tf.reduce_mean(down)) / 2.0)


def colourfulness(images):
    """Mean over images of sigma_rgyb + 0.3 mu_rgyb, with rg = R - G and yb = (R + G) / 2 - B."""
    red, green, blue = tf.unstack(_float(images), axis=-1)
    rg = red - green
    yb = 0.5 * (red + green) - blue
    axes = [1, 2]
    sigma = tf.sqrt(tf.math.reduce_variance(rg, axes) + tf.math.reduce_variance(yb, axes))
    mu = tf.sqrt(tf.reduce_mean(rg, axes) ** 2 + tf.reduce_mean(yb, axes) ** 2)
    return float(tf.reduce_mean(sigma + 0.3 * mu))


def paired_scores(outputs, targets):
    """pix2pix and colourisation: how close each output is to its real target, and how much
    detail and colour it has next to the targets'."""
    scores = {"l1": l1(outputs, targets), "psnr": psnr(outputs, targets), "ssim": ssim(outputs, targets),
              "detail_ratio": detail(outputs) / max(detail(targets), 1e-6)}
    if np.shape(outputs)[-1] == 3:
        scores["colourfulness_ratio"] = colourfulness(outputs) / max(colourfulness(targets), 1e-6)
    return scores


def paired_test_images(data_dir, split="test", batch_size=16):
    """(inputs, targets): uint8 arrays of a split as stored, each pair as the family trains on
    it: stored (input, target) pairs, or (grey, colour) for a colour image folder
    (colourisation)."""
    from gan_tf.data import load_metadata, make_dataset

    paired = "target_shape" in load_metadata(data_dir)
    dataset = make_dataset(data_dir, split, batch_size, (0.0, 255.0), shuffle=False, cache=False,
                           drop_remainder=False, with_targets=paired)
    if not paired:
        dataset = dataset.map(lambda images: (tf.round(tf.image.rgb_to_grayscale(images)), images))
    inputs, targets = zip(*((np.asarray(a, np.uint8), np.asarray(b, np.uint8)) for a, b in dataset))
    return np.concatenate(inputs), np.concatenate(targets)


def translate(model, images, signature="translate", batch_size=8):
    """uint8 translations of uint8 `images` through the function the export serves as
    `signature` (same resizing, same uint8 rounding)."""
    function = tf.function(model.serving_endpoints()[signature][0])
    return np.concatenate([np.asarray(function(tf.constant(images[start:start + batch_size]))["images"])
                           for start in range(0, len(images), batch_size)])


def paired_scorer(data_dir, split="test"):
    """score(model) -> `paired_scores` of the model's translations of `split`'s inputs
    against their targets (pix2pix, colourisation)."""
    inputs, targets = paired_test_images(data_dir, split)
    return lambda model: paired_scores(translate(model, inputs), targets)


def baseline_scores(data_dir, split="test"):
    """`paired_scores` of the inputs returned as they are (grey inputs as colour): what a
    translation must beat."""
    inputs, targets = paired_test_images(data_dir, split)
    if inputs.shape[-1] != targets.shape[-1]:
        inputs = np.repeat(inputs, targets.shape[-1], axis=-1)
    return paired_scores(inputs, targets)
