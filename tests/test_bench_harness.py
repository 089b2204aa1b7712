"""bench.harness, what every benchmark script shares: comma-separated flags refuse unknown
names in one line, a data folder comes from its flag or its environment variable or stops the
run naming both, the timer adds laps, and tables are the unpadded Markdown the docs take."""

import json
import time

import pytest

from bench import harness


def test_comma_lists_convert_and_refuse_unknown_names_in_one_line(capsys):
    parser = harness.parser(__doc__)
    parser.add_argument("--sizes", type=harness.comma_list(int), default="128,256")
    parser.add_argument("--pairs", type=harness.comma_list(choices=("cyclegan", "pix2pix"), what="pair(s)"),
                        default="")
    assert vars(parser.parse_args([])) == {"sizes": [128, 256], "pairs": []}
    assert parser.parse_args(["--sizes", "32", "--pairs", "pix2pix"]).pairs == ["pix2pix"]
    with pytest.raises(SystemExit):
        parser.parse_args(["--pairs", "pix2pix,stylegan,gan"])
    assert "unknown pair(s) gan, stylegan; choose from cyclegan, pix2pix" in capsys.readouterr().err


def test_a_data_folder_is_its_flag_else_its_variable_else_a_one_line_stop(monkeypatch):
    folder = harness.DataFolder("--source", "GAN_TF_TEST_FOLDER", "folder of test files")
    monkeypatch.delenv("GAN_TF_TEST_FOLDER", raising=False)
    with pytest.raises(SystemExit) as stop:
        folder.path(None)
    assert str(stop.value) == "pass --source or set GAN_TF_TEST_FOLDER: folder of test files"
    monkeypatch.setenv("GAN_TF_TEST_FOLDER", "/from/the/variable")
    assert folder.path(None) == "/from/the/variable"
    assert folder.path("/from/the/flag") == "/from/the/flag"
    parser = harness.parser(__doc__)
    folder.add_flag(parser, "--fashion-mnist")
    assert parser.parse_args([]).fashion_mnist is None  # read when needed, not when parsed
    assert "$GAN_TF_TEST_FOLDER" in parser.format_help()


def test_the_timer_adds_a_lap_per_block_on_its_clock():
    ticks = iter([1.0, 3.0, 10.0, 10.5])
    timer = harness.Timer(lambda: next(ticks))
    for _ in range(2):
        with timer:
            pass
    assert timer.laps == [2.0, 0.5] and timer.seconds == 2.5
    with harness.Timer() as wall:
        time.sleep(0.01)
    assert wall.seconds >= 0.01


def test_tables_are_unpadded_markdown():
    rows = [("vanilla", harness.number(1234.5)), ("vae", harness.number(None))]
    assert harness.table(["family", "images/s"], rows) == [
        "| family | images/s |", "| --- | --- |", "| vanilla | 1,234.5 |", "| vae | - |"]


def test_the_json_holds_the_rows_and_the_machine(tmp_path, monkeypatch):
    monkeypatch.setattr(harness, "machine", lambda: {"device": "test device", "load_average": [1.0]})
    harness.write_json(str(tmp_path / "rows.json"), [{"a": 1}])
    harness.write_json(str(tmp_path / "results.json"), {"device": "at the start", "rows": []})
    assert json.loads((tmp_path / "rows.json").read_text()) == {
        "device": "test device", "load_average": [1.0], "rows": [{"a": 1}]}
    assert json.loads((tmp_path / "results.json").read_text())["device"] == "at the start"
