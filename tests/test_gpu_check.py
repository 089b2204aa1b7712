"""The prepared GPU check end to end at its `--quick` budgets on a CPU: every section runs, and
the JSON and the Markdown table hold the rows docs/benchmarks.md takes from them. (`--jit off`: XLA's
compiles would take most of the time; `--jit auto` is `gan_tf.training.jit_choice`, tested on its own.)"""

import json

from bench import gpu_check


def test_quick_gpu_check_writes_the_json_and_the_table(small_idx_dir, tmp_path):
    gpu_check.main(["--quick", "--families", "vanilla", "--fashion-mnist", small_idx_dir, "--jit", "off",
                    "--out", str(tmp_path)])
    results = json.loads((tmp_path / "gpu_check.json").read_text())
    assert results["matmul_gflops"] > 0
    assert [(r["family"], r["precision"]) for r in results["train"]] == [("vanilla", "float32"), ("vanilla", "mixed")]
    for row in results["train"]:
        assert row["images_per_second"] > 0 and row["jit"] is False and row["flops_per_image"] > 0
        assert row["roofline_fraction"] == row["gflops"] / results["matmul_gflops"]
    assert [(r["family"], r["batch_size"]) for r in results["serving"]] == [("vanilla", 1), ("vanilla", 64)]
    [run] = results["quality"]["runs"]
    assert run["family"] == "fashion_gan" and run["preset"] == "fast" and run["measurements"][-1]["fid"] >= 0
    table = (tmp_path / "gpu_check.md").read_text()
    assert "| vanilla | 8 | float32 |" in table and "| vanilla | 8 | mixed |" in table
    assert "| vanilla | 64 |" in table and "| fast | " in table
