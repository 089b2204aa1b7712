"""bench.translation_picture: the docs' pictures fit their size limit and keep what they show."""

import numpy as np
import pytest
from PIL import Image

from bench import translation_picture
from gan_tf.viz.images import make_grid


def test_jpeg_fits_the_limit_at_the_highest_quality_that_does(tmp_path):
    noise = np.random.default_rng(0).integers(0, 256, (300, 300, 3), dtype=np.uint8)
    quality, size = translation_picture.save_jpeg(noise, str(tmp_path / "n.jpg"), max_kb=60)
    assert size == (tmp_path / "n.jpg").stat().st_size <= 60 * 1024
    assert 30 <= quality < 95  # noise does not fit at 95
    with pytest.raises(ValueError, match="no JPEG quality"):
        translation_picture.save_jpeg(noise, str(tmp_path / "tiny.jpg"), max_kb=1)
    assert not (tmp_path / "tiny.jpg").exists()


def test_mosaic_lays_images_out_row_by_row():
    images = [np.full((4, 6, 3), value, np.uint8) for value in (10, 20, 30, 40)]
    picture = translation_picture.mosaic(images, 2)
    assert picture.shape == (8, 12, 3)
    assert [picture[0, 0, 0], picture[0, 6, 0], picture[4, 0, 0], picture[4, 6, 0]] == [10, 20, 30, 40]
    with pytest.raises(ValueError, match="needs 4 images"):
        translation_picture.mosaic(images[:3], 2)


def test_grid_keeps_the_rows_asked_for(tmp_path):
    cells = np.stack([np.full((8, 8, 3), 25 * row, np.uint8) for row in range(5) for _ in range(3)])
    Image.fromarray(make_grid(cells, 3)).save(tmp_path / "grid.png")
    output = tmp_path / "rows.jpg"
    translation_picture.main(["grid", str(tmp_path / "grid.png"), "--rows", "1,3", "--cell", "8",
                              "--output", str(output)])
    picture = np.asarray(Image.open(output))
    assert picture.shape == (2 + 2 * 10, 3 * 10 + 2, 3)
    assert abs(int(picture[5, 5, 0]) - 25) <= 8  # grid row 1 first (JPEG-blurred), not padding
    assert abs(int(picture[15, 5, 0]) - 75) <= 8  # then row 3
    with pytest.raises(ValueError, match="has 5 rows"):
        translation_picture.main(["grid", str(tmp_path / "grid.png"), "--rows", "5", "--cell", "8",
                                  "--output", str(output)])
