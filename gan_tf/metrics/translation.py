"""Scores of image-to-image translations, on uint8 images [N, H, W, C].

The quality runs of CycleGAN, pix2pix and colourisation report these against the real test
images (issue #29's protocol):

- `l1`: mean absolute difference on the [-1, 1] scale the networks train on (pix2pix's L1);
- `psnr`, `ssim`: TensorFlow's `tf.image.psnr` / `tf.image.ssim` at a 255 peak, averaged
  over the images (an image's PSNR stops at `PSNR_CEILING`, so a set holding an exact copy
  still has a finite mean); `content_ssim` compares the luminance of two images only, which is what a
  translation that restyles an image should keep;
- `detail`: the mean absolute difference between neighbouring pixels (grey levels): blur
  lowers it, so a translation's detail over the real target images' tells smearing apart
  from texture;
- `colourfulness`: Hasler and Suesstrunk's (2003) M = sigma_rgyb + 0.3 mu_rgyb, per image,
  averaged.
"""

import numpy as np
import tensorflow as tf

from gan_tf.serving import signatures


def _float(images):
    return tf.cast(tf.convert_to_tensor(images), tf.float32)


def luminance(images):
    """[N, H, W, 1] float luminance (ITU-R 601, as `tf.image.rgb_to_grayscale`) of grey or
    colour images."""
    images = _float(images)
    return images if images.shape[-1] == 1 else tf.image.rgb_to_grayscale(images)


def l1(outputs, targets):
    return float(tf.reduce_mean(tf.abs(_float(outputs) - _float(targets))) / 127.5)


# The PSNR of 8-bit rounding noise (mean squared error 1/12 of a grey level squared): two uint8
# images cannot be told apart more finely, and an exact copy (a grey photo that colourisation
# returns as grey) would otherwise score infinity and swamp the mean.
PSNR_CEILING = 10 * np.log10(255.0**2 * 12)


def psnr(outputs, targets):
    per_image = tf.image.psnr(_float(outputs), _float(targets), max_val=255.0)
    return float(tf.reduce_mean(tf.minimum(per_image, PSNR_CEILING)))


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
    from gan_tf.data.reader import DataFolder, make_dataset

    paired = DataFolder.open(data_dir).paired
    dataset = make_dataset(data_dir, split, batch_size, (0.0, 255.0), shuffle=False, cache=False,
                           drop_remainder=False, with_targets=paired)
    if not paired:
        dataset = dataset.map(lambda images: (tf.round(tf.image.rgb_to_grayscale(images)), images))
    inputs, targets = zip(*((np.asarray(a, np.uint8), np.asarray(b, np.uint8)) for a, b in dataset))
    return np.concatenate(inputs), np.concatenate(targets)


def translate(model, images, signature="translate", batch_size=8):
    """uint8 translations of uint8 `images` through the function the export serves as
    `signature` (same resizing, same uint8 rounding)."""
    function = tf.function(signatures.endpoints(model)[signature][0])
    return np.concatenate([np.asarray(function(tf.constant(images[start:start + batch_size]))["images"])
                           for start in range(0, len(images), batch_size)])


def paired_scorer(data_dir, split="test"):
    """score(model) -> `paired_scores` of the model's translations of `split`'s inputs
    against their targets (pix2pix, colourisation)."""
    inputs, targets = paired_test_images(data_dir, split)
    return lambda model: paired_scores(translate(model, inputs), targets)


def paired_baselines(data_dir, split="test"):
    """{"inputs unchanged": `paired_scores` of the inputs returned as they are (grey inputs
    as colour)}: what a translation must beat."""
    inputs, targets = paired_test_images(data_dir, split)
    if inputs.shape[-1] != targets.shape[-1]:
        inputs = np.repeat(inputs, targets.shape[-1], axis=-1)
    return {"inputs unchanged": paired_scores(inputs, targets)}


DIRECTIONS = (("a_to_b", "testA", "testB", 1), ("b_to_a", "testB", "testA", 0))


def split_images(data_dir, split, batch_size=64):
    """uint8 array of every image of a split, in file order."""
    from gan_tf.metrics.report import real_image_batches

    return np.concatenate([np.asarray(batch) for batch in real_image_batches(data_dir, split, batch_size)])


def feature_distance(extractor, images, references):
    """Fréchet distance between two image sets on the extractor's features."""
    from gan_tf.metrics.scores import FeatureStatistics, frechet_distance

    return frechet_distance(*(FeatureStatistics().update(extractor(x)[0]) for x in (references, images)))


def domain_scores(extractor, translations, inputs, targets, target_label):
    """One CycleGAN direction: the fraction of `translations` the domain classifier reads as
    the target domain, their FD to the real `targets` on its features, the content kept
    (`content_ssim` to the inputs) and detail as a ratio to the targets'."""
    probabilities = extractor(translations)[1]
    return {"target_rate": float(np.mean(np.argmax(probabilities, 1) == target_label)),
            "fd": feature_distance(extractor, translations, targets),
            "content_ssim": content_ssim(translations, inputs),
            "detail_ratio": detail(translations) / max(detail(targets), 1e-6)}


def cycle_scorer(data_dir, extractor):
    """score(model) -> both directions' `domain_scores` (keys prefixed `a_to_b_`, `b_to_a_`),
    the test images of each domain translated by the export's `a_to_b` / `b_to_a`."""
    images = {split: split_images(data_dir, split) for split in ("testA", "testB")}

    def score(model):
        results = {}
        for signature, source, target, label in DIRECTIONS:
            translations = translate(model, images[source], signature)
            scores = domain_scores(extractor, translations, images[source], images[target], label)
            results.update({f"{signature}_{name}": value for name, value in scores.items()})
        return results

    return score


def cycle_baselines(data_dir, extractor):
    """Rows CycleGAN's scores are read against, in `cycle_scorer`'s keys: the inputs left
    untranslated ("inputs unchanged"), and the real target-domain test images ("real"): their
    target rate is the classifier's ceiling, their FD the real-vs-real floor (the target
    domain's training images against its test images)."""
    identity, real = {}, {}
    for signature, source, target, label in DIRECTIONS:
        inputs, targets = split_images(data_dir, source), split_images(data_dir, target)
        scores = domain_scores(extractor, inputs, inputs, targets, label)
        identity.update({f"{signature}_{name}": value for name, value in scores.items()})
        real[f"{signature}_target_rate"] = domain_scores(extractor, targets, targets, targets, label)["target_rate"]
        real[f"{signature}_fd"] = feature_distance(extractor, split_images(data_dir, "train" + target[-1]), targets)
    return {"inputs unchanged": identity, "real": real}


def as_colour(images, channels):
    """uint8 images with `channels` channels (grey repeated), for a grid beside colour ones."""
    return np.repeat(images, channels, axis=-1) if images.shape[-1] != channels else images


def paired_rows(model, data_dir, split="test", rows=6):
    """uint8 [rows * 3, H, W, C]: input | output | target of the first `rows` pairs of
    `split` at their stored size, the output translated as the export translates it."""
    inputs, targets = (images[:rows] for images in paired_test_images(data_dir, split))
    outputs = translate(model, inputs)
    return np.stack([as_colour(inputs, targets.shape[-1]), outputs, targets], 1).reshape((-1,) + targets.shape[1:])


def cycle_rows(model, data_dir, rows=6):
    """uint8 [rows * 3, H, W, C]: input | translation | reconstruction of the first test
    images of A (a_to_b then b_to_a), then of B, at their stored size, through the export's
    functions."""
    stacked = []
    for forward, source, _, _ in DIRECTIONS:
        backward = "b_to_a" if forward == "a_to_b" else "a_to_b"
        inputs = split_images(data_dir, source)[:max(1, rows // 2)]
        translated = translate(model, inputs, forward)
        stacked.append(np.stack([inputs, translated, translate(model, translated, backward)], 1))
    images = np.concatenate(stacked)
    return images.reshape((-1,) + images.shape[2:])
