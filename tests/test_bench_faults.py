"""bench.faults' new scenarios, each checked on its own in seconds: a bad translate batch
and an image folder with symlink loops (the disk-full sites have their own tests in
tests/test_write_failures.py; the scenarios need the benchmark's trained reference run)."""

from bench import faults


def test_bad_translate_batch_scenario_writes_every_good_file(tmp_path):
    outcome, kept, _ = faults.translate_batch_scenario(str(tmp_path))
    assert kept, outcome
    assert outcome.startswith("rc 1, 6 of 6 good files written")


def test_symlink_loop_scenario_reads_each_image_once(tmp_path):
    outcome, kept, _ = faults.symlink_loop_scenario(str(tmp_path), seconds=60)
    assert kept, outcome
    assert outcome.startswith("3 records from 3 images, classes ['cats', 'dogs']")
