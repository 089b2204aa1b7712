"""Translation scores (gan_tf.metrics.translation) against direct computations of their formulas."""

import numpy as np
import pytest
import tensorflow as tf

from gan_tf.metrics import translation


def random_images(seed, shape=(4, 32, 32, 3), low=20, high=230):
    return np.random.default_rng(seed).integers(low, high, shape).astype(np.uint8)


def test_l1_and_psnr_of_a_known_shift():
    targets = random_images(0)
    outputs = targets + np.uint8(10)  # no pixel clips: the values stay under 240
    assert translation.l1(outputs, targets) == pytest.approx(10 / 127.5)
    assert translation.psnr(outputs, targets) == pytest.approx(10 * np.log10(255**2 / 100), rel=1e-5)


def test_psnr_of_a_set_holding_an_exact_copy_is_finite():
    """A grey photo returned as grey is an exact copy: its PSNR counts at the 8-bit ceiling."""
    targets = random_images(0)
    outputs = np.concatenate([targets[:1], targets[1:] + np.uint8(10)])
    shifted = 10 * np.log10(255**2 / 100)
    ceiling = 10 * np.log10(255**2 * 12)
    expected = (ceiling + (len(targets) - 1) * shifted) / len(targets)
    assert translation.psnr(outputs, targets) == pytest.approx(expected, rel=1e-5)


def test_ssim_is_one_for_identical_images_and_falls_with_noise():
    targets = random_images(1)
    noise = np.random.default_rng(2).normal(0, 1, targets.shape)
    scores = [translation.ssim(np.clip(targets + scale * noise, 0, 255).astype(np.uint8), targets)
              for scale in (0, 10, 40)]
    assert scores[0] == pytest.approx(1.0)
    assert scores[0] > scores[1] > scores[2]
    reference = tf.reduce_mean(tf.image.ssim(tf.constant(targets), tf.constant(targets[::-1]), 255))
    assert translation.ssim(targets, targets[::-1]) == pytest.approx(float(reference), abs=1e-6)


def test_content_ssim_compares_luminance_only():
    colour = random_images(3)
    grey = np.asarray(tf.image.rgb_to_grayscale(tf.cast(colour, tf.float32)))
    assert translation.content_ssim(colour, grey) == pytest.approx(1.0)
    recoloured = colour[..., ::-1]  # same image, channels swapped: other colours, other luminance
    assert translation.content_ssim(recoloured, colour) < 0.99


def test_detail_is_the_mean_neighbour_difference():
    board = (np.indices((8, 8)).sum(0) % 2 * 255).astype(np.uint8)[None, ..., None]
    assert translation.detail(board) == pytest.approx(255.0)
    assert translation.detail(np.full((1, 8, 8, 1), 90, np.uint8)) == 0.0
    images = random_images(4, (2, 16, 16, 1)).astype(np.float64)[..., 0]
    reference = (np.abs(np.diff(images, axis=2)).mean() + np.abs(np.diff(images, axis=1)).mean()) / 2
    assert translation.detail(images[..., None].astype(np.uint8)) == pytest.approx(reference, rel=1e-5)


def hasler_suesstrunk(image):
    """The paper's colourfulness of one RGB image, written out with numpy."""
    r, g, b = (image[..., i].astype(np.float64) for i in range(3))
    rg, yb = r - g, 0.5 * (r + g) - b
    return np.sqrt(rg.std() ** 2 + yb.std() ** 2) + 0.3 * np.sqrt(rg.mean() ** 2 + yb.mean() ** 2)


def test_colourfulness_follows_hasler_suesstrunk():
    images = random_images(5)
    expected = np.mean([hasler_suesstrunk(image) for image in images])
    assert translation.colourfulness(images) == pytest.approx(expected, rel=1e-5)
    grey = np.repeat(random_images(6, (2, 8, 8, 1)), 3, axis=-1)
    assert translation.colourfulness(grey) == pytest.approx(0.0, abs=1e-4)
    red = np.zeros((1, 4, 4, 3), np.uint8)
    red[..., 0] = 255
    assert translation.colourfulness(red) == pytest.approx(0.3 * np.hypot(255, 127.5), rel=1e-5)


def test_paired_scores_of_a_grey_copy_lack_colour_but_not_detail():
    targets = random_images(7)
    grey = np.repeat(np.asarray(translation.luminance(targets)).round().astype(np.uint8), 3, axis=-1)
    scores = translation.paired_scores(grey, targets)
    assert scores["colourfulness_ratio"] < 0.01
    assert 0.5 < scores["detail_ratio"] < 1.5
    assert set(scores) == {"l1", "psnr", "ssim", "detail_ratio", "colourfulness_ratio"}
    assert "colourfulness_ratio" not in translation.paired_scores(grey[..., :1], targets[..., :1])
