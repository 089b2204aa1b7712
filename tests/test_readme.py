"""The README's FashionGAN command-line block runs as written (tiny settings appended only
where the README says so), so the README cannot drift from the CLI."""

import os
import re
import shlex

import numpy as np
from PIL import Image

from gan_tf import cli

README = os.path.join(os.path.dirname(__file__), "..", "README.md")
APPENDED = "--limit 256 --epochs 1"  # what the README says the test appends to `gan-tf train`


def readme_commands():
    """The `gan-tf` lines of the README's first ```bash block, and the README's text."""
    text = open(README).read()
    block = re.search(r"```bash\n(.*?)```", text, re.S).group(1)
    return [line for line in block.splitlines() if line.startswith("gan-tf ")], text


def test_readme_fashion_gan_block_runs_literally(fashion_mnist_files, tmp_path, monkeypatch):
    commands, text = readme_commands()
    assert f"appending\n`{APPENDED}` to the `gan-tf train` line only" in text
    assert [c.split()[1] for c in commands] == ["preprocess", "train", "export", "sample"]
    monkeypatch.chdir(tmp_path)
    run_documented(commands)


def run_documented(commands):
    """Runs documented `gan-tf` lines in the current folder, the small budget `APPENDED` to the
    train line only, and checks the export and the sample grid they leave."""
    for command in commands:
        argv = shlex.split(command, comments=True)[1:]
        if argv[0] == "train":
            argv += APPENDED.split()
        assert cli.main(argv) == 0, command
    assert os.listdir("saved_models/fashion_gan") == ["1"]
    assert np.asarray(Image.open("samples.png")).shape == (5 * 30 + 2, 5 * 30 + 2)


def script_commands(path):
    """The `gan-tf` command lines of a shell script, continuation lines joined."""
    text = open(path).read().replace("\\\n", " ")
    return [line.strip() for line in text.splitlines() if line.strip().startswith("gan-tf ")]


def test_readme_two_commands_name_scripts_whose_commands_the_cli_accepts():
    """The README's main job and test commands, as written, name scripts that parse, and every
    `gan-tf` line of the main job is one the CLI accepts (a renamed option fails here first)."""
    import subprocess

    _, text = readme_commands()
    root = os.path.dirname(README)
    for script in ("quickstart", "test"):
        assert f"\n    bash scripts/{script}.sh\n" in text
        assert subprocess.run(["bash", "-n", os.path.join(root, "scripts", f"{script}.sh")]).returncode == 0
    commands = script_commands(os.path.join(root, "scripts", "quickstart.sh"))
    assert [c.split()[1] for c in commands] == ["preprocess", "train", "export", "sample"]
    parser = cli.build_parser()
    for command in commands:
        argv = shlex.split(re.sub(r'"\$(\w+)"', r"\1", command))[1:]  # "$VAR" -> a placeholder word
        if argv[0] == "train":
            argv[argv.index("--seconds") + 1] = "150"
        parser.parse_args(argv)  # SystemExit on an option the CLI does not know
    assert re.search(r'-m pytest .*"\$@"', open(os.path.join(root, "scripts", "test.sh")).read())
