"""`gan-tf train --strategy multiworker` with two worker processes on this machine (TF_CONFIG
on localhost ports): both finish, report the same global losses, read their own shards, and
only the chief writes the run folder.

About 50 s on 2 CPU cores: the slowest test, and the only one of the multi-worker path.
"""

import json
import os
import re
import socket
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("localhost", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def test_two_workers_train_together(small_data_dir, tmp_path):
    workers = [f"localhost:{port}" for port in free_ports(2)]
    run_dir = tmp_path / "run"
    processes = []
    for index in range(2):
        env = {**os.environ, "PYTHONPATH": ROOT, "CI": "1", "TF_CPP_MIN_LOG_LEVEL": "2",
               "CUDA_VISIBLE_DEVICES": "",
               "TF_CONFIG": json.dumps({"cluster": {"worker": workers},
                                        "task": {"type": "worker", "index": index}})}
        processes.append(subprocess.Popen(
            [sys.executable, "-m", "gan_tf.cli", "train", "fashion_gan", "--data", small_data_dir,
             "--run-dir", str(run_dir), "--epochs", "1", "--batch-size", "16", "--limit", "64",
             "--strategy", "multiworker", "--generator-filters", "8", "--discriminator-filters",
             "4,8", "--latent-dim", "8", "--monitor-images", "4"],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
    outputs = []
    for process in processes:
        try:
            outputs.append(process.communicate(timeout=400)[0])
        finally:
            if process.poll() is None:
                process.kill()
    for process, output in zip(processes, outputs):
        assert process.returncode == 0, output[-3000:]
    assert "2 replicas on 2 worker(s)" in outputs[0]
    losses = [re.findall(r"d_loss: ([0-9.]+) - g_loss: ([0-9.]+)", output)[-1] for output in outputs]
    assert losses[0] == losses[1]  # global values, the same on every worker
    assert (run_dir / "model.keras").is_file()
    assert (run_dir / "worker-1" / "model.keras").is_file()
