"""Translating images of any size in blended tiles: exactness, seams, odd and tiny sizes, the
tiled export signature with its size limit, and `gan-tf translate`."""

import errno
import os
import time

import keras
import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from bench.faults import bad_translate_batch
from gan_tf import cli
from gan_tf.families.cyclegan.config import CycleGANConfig
from gan_tf.families.cyclegan.model import CycleGAN
from gan_tf.networks.layers import normalization
from gan_tf.serving import export, tiling
from tests.write_faults import CODES, fail_writes_under, files_under

SIZES = [(257, 1000), (10, 7), (1, 1), (64, 64), (65, 129)]  # odd, smaller than a tile, exact
TINY = CycleGANConfig(image_size=32, generator_filters=4, discriminator_filters=4, residual_blocks=1)


def random_image(height, width, channels=3, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (height, width, channels), dtype=np.uint8)


def smooth_image(height, width):
    """A gentle colour gradient with a slow wave: neighbouring pixels differ by about 1 level."""
    y, x = np.mgrid[:height, :width].astype(np.float32)
    wave = 40 * np.sin(x / 23.0) * np.cos(y / 31.0)
    return np.stack([60 + 0.5 * x + wave, 200 - 0.6 * y, 120 + wave], -1).clip(0, 255)


@pytest.mark.parametrize("height, width", SIZES)
def test_identity_generator_reproduces_the_input_exactly(height, width):
    image = random_image(height, width)
    out = tiling.translate_tiled(lambda pixels: pixels, image, 64, 16, batch_size=5, match_tone=False)
    np.testing.assert_array_equal(out, image)


def test_identity_keras_generator_greyscale_alpha_and_batches():
    inputs = keras.Input((16, 16, 3))
    identity = keras.Model(inputs, keras.layers.Identity()(inputs))
    rgba = random_image(37, 50, 4)
    np.testing.assert_array_equal(tiling.translate_tiled(identity, rgba, 16, 4, match_tone=False), rgba)
    grey = random_image(21, 40, 1)[..., 0]  # [H, W] in, grey copied into RGB by the model's input
    np.testing.assert_array_equal(tiling.translate_tiled(identity, grey, 16, 4, match_tone=False),
                                  np.repeat(grey[..., None], 3, -1))
    batch = np.stack([random_image(19, 23, seed=s) for s in (1, 2)])
    np.testing.assert_array_equal(tiling.translate_tiled(identity, batch, 16, 8, match_tone=False), batch)


@pytest.mark.parametrize("height, width", SIZES)
def test_per_pixel_function_is_the_same_tiled_and_untiled(height, width):
    image = tf.constant(random_image(height, width)[None], tf.float32)
    per_pixel = lambda pixels: tf.sqrt(pixels) * tf.constant([3.0, 7.0, 11.0]) + 5.0
    out = tiling.tiled(image, per_pixel, 32, 12, batch_size=3)
    assert out.shape == (1, height, width, 3)
    np.testing.assert_allclose(out.numpy(), per_pixel(image).numpy(), atol=1e-3)


def border_and_inside_steps(output, tile, step, axis):
    """(max |neighbour step| across the tiles' edges, max elsewhere) along `axis` (0 rows, 1 columns)."""
    steps = np.abs(np.diff(output, axis=axis)).max(axis=(1 - axis, 2))  # steps[i]: pixel i to i+1
    edges = {edge - 1 for start in range(0, output.shape[axis], step) for edge in (start, start + tile)}
    border = np.array([i in edges for i in range(len(steps))])
    return steps[border].max(), steps[~border].max()


def test_blended_tiles_leave_no_seam_on_a_smooth_image():
    """A generator with instance normalisation (the layer CycleGAN uses, then tanh) normalises
    each tile by its own statistics: cut without overlap the tiles' edges are the largest
    steps of the picture; blended, no step across a tile edge is larger than inside the tiles."""
    inputs = keras.Input((32, 32, 3))
    generator = keras.Model(inputs, keras.layers.Activation("tanh")(normalization("instance")(inputs)))
    translate, _ = tiling.pixel_translator(generator)
    image = smooth_image(96, 160)[None]
    cut = tiling.tiled(image, translate, 32, 0)[0].numpy()
    for axis in (0, 1):
        border, inside = border_and_inside_steps(cut, 32, 32, axis)
        assert border > 2 * inside
    for overlap in (8, 16):
        blended = tiling.tiled(image, translate, 32, overlap, match_tone=overlap == 8)[0].numpy()
        for axis in (0, 1):
            border, inside = border_and_inside_steps(blended, 32, 32 - overlap, axis)
            assert border <= inside


def test_match_tone_gives_each_tile_the_whole_images_tone():
    """A generator that removes its input's mean (what instance norm does) shifts every tile of
    a gradient differently; matched to the whole image's translation, the tiles agree with
    translating the whole image at once."""
    image = tf.constant(smooth_image(100, 150)[None])
    centred = lambda pixels: pixels - tf.reduce_mean(pixels, [1, 2], keepdims=True) + 128.0
    whole = centred(image).numpy()
    plain = tiling.tiled(image, centred, 32, 8).numpy()
    matched = tiling.tiled(image, centred, 32, 8, match_tone=True).numpy()
    assert np.abs(plain - whole).mean() > 10
    assert np.abs(matched - whole).mean() < 1


def test_bad_tilings_are_refused():
    with pytest.raises(ValueError, match="overlap must be between 0 and half the tile"):
        tiling.translate_tiled(lambda p: p, random_image(8, 8), 16, 9)
    with pytest.raises(ValueError, match="image must be uint8"):
        tiling.translate_tiled(lambda p: p, np.zeros((8, 8, 3), np.float32), 16, 4)
    with pytest.raises(ValueError, match="image must be .* with C 1 to 4 and no empty side, got shape \\(0, 8, 3\\)"):
        tiling.translate_tiled(lambda p: p, np.zeros((0, 8, 3), np.uint8), 16, 4)


@pytest.fixture(scope="module")
def tiled_export(tmp_path_factory):
    keras.utils.set_random_seed(0)
    model = CycleGAN(TINY)
    base = str(tmp_path_factory.mktemp("saved"))
    path = export.export(model, base, "cyclegan_tiny", tiling={"overlap": 4, "batch_size": 3},
                         max_pixels=40 * 60)
    return model, tf.saved_model.load(path), os.path.join(base, "cyclegan_tiny")


def test_tiled_signature_matches_translate_tiled_and_checks_sizes(tiled_export):
    model, loaded, _ = tiled_export
    assert {"a_to_b_tiled", "b_to_a_tiled", "a_to_b", "b_to_a"} <= set(loaded.signatures)
    image = random_image(37, 59)
    served = loaded.signatures["a_to_b_tiled"](images=tf.constant(image[None]))["images"].numpy()[0]
    assert served.shape == (37, 59, 3)
    local = tiling.translate_tiled(model.generator_g, image, 32, 4, batch_size=3)
    assert np.abs(served.astype(int) - local.astype(int)).max() <= 1
    # Over 40 x 60 pixels in one image or in all, an empty side, no image:
    for shape in [(1, 41, 60, 3), (3, 30, 30, 3), (1, 0, 5, 3), (0, 5, 5, 3)]:
        for signature in ("a_to_b_tiled", "a_to_b"):
            with pytest.raises(tf.errors.InvalidArgumentError, match="at most 2400 pixels"):
                loaded.signatures[signature](images=tf.zeros(shape, tf.uint8))
    large = tf.zeros((1, 2000, 2000, 3), tf.uint8)  # translated, thousands of tiles: minutes
    started = time.perf_counter()
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"at most 2400 pixels .*got shape\] \[1 2000 2000"):
        loaded.signatures["a_to_b_tiled"](images=large)
    assert time.perf_counter() - started < 1


def test_translate_command_keeps_size_and_alpha(tiled_export, tmp_path):
    _, loaded, model_dir = tiled_export
    rgba, grey = random_image(45, 70, 4), random_image(33, 20, 1)[..., 0]
    Image.fromarray(rgba).save(tmp_path / "photo.png")
    Image.fromarray(grey).save(tmp_path / "grey.jpg")
    out = tmp_path / "out"
    # 2 tiles per call: the export takes at most 2400 pixels per request
    assert cli.main(["translate", "--model", model_dir, "--tile", "32", "--overlap", "8", "--batch-size", "2",
                     str(tmp_path / "photo.png"), str(tmp_path / "grey.jpg"), "--output", str(out)]) == 0
    photo = np.asarray(Image.open(out / "photo.png"))
    assert photo.shape == (45, 70, 4) and np.array_equal(photo[..., 3], rgba[..., 3])
    expected = tiling.translate_tiled(loaded.signatures["a_to_b"], rgba, 32, 8, batch_size=2)
    np.testing.assert_array_equal(photo, expected)
    assert np.asarray(Image.open(out / "grey.png")).shape == (33, 20, 3)


def test_translate_command_refuses_bad_input_in_one_line(tiled_export, tmp_path, capsys):
    _, _, model_dir = tiled_export
    os.makedirs(tmp_path / "a")
    os.makedirs(tmp_path / "b")
    for folder in ("a", "b"):
        Image.fromarray(random_image(8, 8)).save(tmp_path / folder / "x.png")
    args = ["translate", "--model", model_dir, "--tile", "32", "--output", str(tmp_path / "out")]
    assert cli.main(args + [str(tmp_path / "a" / "x.png")]) == 1  # the default overlap, 32
    assert "overlap must be between 0 and half the tile (16), got 32" in capsys.readouterr().err
    args += ["--overlap", "4"]
    assert cli.main(args + [str(tmp_path / "a" / "x.png"), str(tmp_path / "b" / "x.png")]) == 1
    assert "would both be written to" in capsys.readouterr().err
    assert cli.main(args + [str(tmp_path / "missing.png")]) == 1
    assert "missing.png: no such image file" in capsys.readouterr().err
    assert cli.main(args + ["--signature", "nope", str(tmp_path / "a" / "x.png")]) == 1
    assert "no image signature 'nope'" in capsys.readouterr().err
    assert not os.path.exists(tmp_path / "out")


def test_translate_lists_bad_inputs_and_still_writes_the_rest(tiled_export, tmp_path, capsys):
    """A bad file in a batch costs only itself: the others are written, rc 1, one summary."""
    _, _, model_dir = tiled_export
    good, inputs = bad_translate_batch(str(tmp_path))
    out = tmp_path / "out"
    started = time.perf_counter()
    assert cli.main(["translate", "--model", model_dir, "--tile", "32", "--overlap", "4",
                     *inputs, "--output", str(out)]) == 1
    assert time.perf_counter() - started < 30  # the bomb was never decoded
    err = capsys.readouterr().err
    assert sorted(os.listdir(out)) == sorted(os.path.basename(p) for p in good)
    assert f"rejected {tmp_path / 'empty.png'}: empty file (0 bytes)" in err
    assert f"rejected {tmp_path / 'cut.png'}: " in err
    assert (f"rejected {tmp_path / 'bomb.png'}: image of 900,000,000 pixels refused: over the limit"
            in err)
    assert "gan-tf translate: 3 of 9 inputs rejected" in err.splitlines()[-1]
    assert "Traceback" not in err and len(err.splitlines()) == 4


def test_translate_scales_16_bit_images_like_preprocessing(tmp_path):
    """A 16-bit grey PNG keeps its top 8 bits (image_folder's scaling), it is not clipped."""
    from gan_tf.data.image_files import to_8bit
    from gan_tf.serving.translate_client import read_image

    deep = np.arange(0, 65536, 64, dtype=np.uint16).reshape(32, 32)
    Image.fromarray(deep).save(tmp_path / "deep.png")
    image = read_image(str(tmp_path / "deep.png"))
    expected = (deep >> 8).astype(np.uint8)
    np.testing.assert_array_equal(image[..., 0], expected)
    np.testing.assert_array_equal(np.asarray(to_8bit(Image.open(tmp_path / "deep.png"))), expected)
    assert np.mean(image == 255) < 0.01


def forbid_translating(monkeypatch):
    def translate_tiled(*args, **kwargs):
        raise AssertionError("translated before the output folder was checked")
    monkeypatch.setattr(tiling, "translate_tiled", translate_tiled)


@pytest.mark.parametrize("code", CODES)
def test_translate_refuses_an_unwritable_output_before_translating(tiled_export, tmp_path, capsys,
                                                                   monkeypatch, code):
    _, _, model_dir = tiled_export
    Image.fromarray(random_image(8, 8)).save(tmp_path / "x.png")
    out = tmp_path / "out"
    out.mkdir()
    forbid_translating(monkeypatch)
    fail_writes_under(monkeypatch, out, code)
    args = ["translate", "--model", model_dir, "--tile", "32", "--overlap", "4", str(tmp_path / "x.png")]
    assert cli.main([*args, "--output", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"gan-tf translate: error: {out}: {os.strerror(code)}; nothing written")
    assert len(err.splitlines()) == 1 and files_under(out) == []
    (tmp_path / "file").write_bytes(b"")
    assert cli.main([*args, "--output", str(tmp_path / "file")]) == 1
    assert "the output folder is a file, not a folder" in capsys.readouterr().err


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EDQUOT])
def test_translate_on_a_disk_filling_up_stops_in_one_line_leaving_no_partial_png(tiled_export, tmp_path,
                                                                              capsys, monkeypatch, code):
    _, _, model_dir = tiled_export
    for seed, name in enumerate(("x.png", "y.png", "z.png")):
        Image.fromarray(random_image(8, 8, seed=seed)).save(tmp_path / name)
    out = tmp_path / "out"
    fail_writes_under(monkeypatch, out, code, spare=2)  # the folder check and x.png
    assert cli.main(["translate", "--model", model_dir, "--tile", "32", "--overlap", "4",
                     *(str(tmp_path / n) for n in ("x.png", "y.png", "z.png")), "--output", str(out)]) == 1
    captured = capsys.readouterr()
    assert captured.out.startswith(f"wrote {out / 'x.png'}")
    assert captured.err == (f"gan-tf translate: error: {out / 'y.png'}: {os.strerror(code)}; kept 1 "
                            f"file written before it (last: {out / 'x.png'}); free some space"
                            f"{' (quota)' if code == errno.EDQUOT else ''} (--debug shows the traceback)\n")
    assert files_under(out) == [str(out / "x.png")]
