"""The benchmark suite's entry point in its quickest mode, on tiny real data: every section
runs and the JSON has the structure docs/benchmarks.md's tables are made from; the Beam stage timing
writes what the pipeline writes."""

import json
import os

import pytest

from bench import run_all
from tests.extras import require_dask


def test_quick_suite_writes_every_section(small_idx_dir, tmp_path):
    require_dask()  # the Beam section's DaskRunner row
    path = tmp_path / "results.json"
    run_all.main(["--quick", "--families", "vanilla", "--fashion-mnist", small_idx_dir,
                  "--work-dir", str(tmp_path), "--json", str(path)])
    results = json.loads(path.read_text())
    assert {"device", "budget", "load_average", "seconds", *run_all.SECTIONS} <= set(results)
    direct, dask = results["beam"]
    assert [direct["runner"], dask["runner"]] == ["DirectRunner", "DaskRunner, 2 local workers"]
    assert direct["records"] == dask["records"] == 512 + 128 and dask["same_records"] is True
    assert direct["records_per_second"] > 0 and dask["records_per_second"] > 0
    assert direct["cpu_seconds"] > 0 and dask["cpu_seconds"] > 0
    [train] = results["train"]
    assert train["family"] == "vanilla" and train["input_pipeline"] > 0
    assert train["train_jit_on"] > 0 and train["train_jit_off"] > 0
    assert [(r["family"], r["batch_size"]) for r in results["serving"]] == [("vanilla", 1), ("vanilla", 64)]
    assert all(r["latency_ms"] > 0 and r["images_per_second"] > 0 for r in results["serving"])
    matmul = results["matmul_gflops"]
    assert matmul > 0
    for row in [train, *results["serving"]]:  # roofline: FLOPs x images/s against the matmul rate
        assert row["flops_per_image"] > 0 and row["roofline_fraction"] == row["gflops"] / matmul
    assert train["gflops"] == train["flops_per_image"] * max(train["train_jit_on"], train["train_jit_off"]) / 1e9
    serving = results["serving"][1]
    assert serving["gflops"] == serving["flops_per_image"] * serving["images_per_second"] / 1e9
    # vanilla's generator at batch 1 and 64: the same FLOPs per image (its layers are per example)
    assert results["serving"][0]["flops_per_image"] == serving["flops_per_image"]
    assert [r["what"] for r in results["quality"]] == ["real train vs real test (floor)", "fashion_gan", "cvae"]
    assert all(r["fid"] >= 0 and "kid" in r and "kid_error" in r for r in results["quality"])
    assert [r["generator"] for r in results["tiles"]] == ["tiling only (identity)", "cyclegan resnet-1, 8 filters"]
    assert all(r["tiles"] == 20 and r["megapixels_per_second"] > 0 for r in results["tiles"])
    table = run_all.markdown(results)
    assert "| vanilla |" in table and "| 256x192 | 64 / 8 | 20 |" in table
    assert "GFLOP/image/step | GFLOP/s | of matmul |" in table
    assert f"| {serving['flops_per_image'] / 1e9:,.3f} | {serving['gflops']:,.1f} | " in table


def test_sections_that_read_fashion_mnist_stop_without_its_folder(monkeypatch):
    monkeypatch.delenv("GAN_TF_FASHION_MNIST", raising=False)
    with pytest.raises(SystemExit, match="^pass --fashion-mnist or set GAN_TF_FASHION_MNIST: "):
        run_all.main(["--only", "serving,quality"])


def test_beam_stages_split_a_whole_run_into_its_stages(small_idx_dir, tmp_path):
    from bench import beam_stages

    timings, whole = beam_stages.stage_seconds(small_idx_dir, str(tmp_path))
    assert list(timings) == ["read + gzip decompress", "PNG encode (zlib)", "Example encode",
                             "shard choice (CRC-32)", "pixel sums", "TFRecord framing (CRC-32C)", "write",
                             "Beam (graph, bundles, coders, grouping, metadata)"]
    assert whole["records"] == 512 + 128 and whole["cpu_seconds"] > 0
    assert abs(sum(timings.values()) - whole["cpu_seconds"]) < 1e-9
    assert (tmp_path / "all.tfrecord").stat().st_size == sum(
        (tmp_path / "run" / name).stat().st_size for name in os.listdir(tmp_path / "run") if name.endswith(".tfrecord"))
