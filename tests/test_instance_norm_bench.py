"""The instance-norm benchmark times both layers on every shape asked for."""

from bench import instance_norm


def test_bench_times_both_layers_per_shape(capsys):
    rows = instance_norm.main(["--shapes", "2x8x8x4", "1x16x8x3", "--calls", "2", "--repeats", "1"])
    assert [row["shape"] for row in rows] == [(2, 8, 8, 4), (1, 16, 8, 3)]
    assert all(row["group_seconds"] > 0 and row["fused_seconds"] > 0 for row in rows)
    table = capsys.readouterr().out
    assert "| 2x8x8x4 |" in table and "| 1x16x8x3 |" in table
