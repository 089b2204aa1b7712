"""The documentation site: it builds with `mkdocs build --strict` (no broken link, anchor or
image), its command-line reference names every option of the real parsers, and every shell
block of the getting-started page runs (the `gan-tf` lines) or is checked (the set-up lines)
as the page says, so the docs cannot drift from the code."""

import argparse
import importlib.util
import os
import re
import subprocess
import sys

import pytest
import yaml
from PIL import Image

from gan_tf import cli, registry
from tests.test_readme import APPENDED, run_documented

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
GETTING_STARTED = os.path.join(ROOT, "docs", "getting-started.md")
DOCS_EXTRA = 'needs the docs extra: pip install -e ".[docs]"'


def require_docs_tools():
    """MkDocs, Material and mkdocstrings' Python handler, or a skip naming the extra."""
    for module in ("mkdocs", "material", "mkdocstrings", "mkdocstrings_handlers.python"):
        try:
            found = importlib.util.find_spec(module)
        except ModuleNotFoundError:
            found = None
        if found is None:
            pytest.skip(f"{module} is not installed: {DOCS_EXTRA}")


def mkdocs_build(config_dir, site_dir):
    """`mkdocs build --strict` in `config_dir`: (return code, output)."""
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site_dir)],
                            cwd=config_dir, env=env, capture_output=True, text=True, timeout=900)
    return result.returncode, result.stdout + result.stderr


def load_hooks():
    spec = importlib.util.spec_from_file_location("mkdocs_hooks", os.path.join(ROOT, "scripts", "mkdocs_hooks.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# -- the site builds ------------------------------------------------------------------------


def test_site_builds_strict_with_generated_references(tmp_path):
    require_docs_tools()
    code, output = mkdocs_build(ROOT, tmp_path / "site")
    assert code == 0, output
    cli_page = open(tmp_path / "site" / "reference" / "cli" / "index.html").read()
    assert "--generator-ema" in cli_page and 'id="gan-tf-train-stackgan"' in cli_page
    assert "gan-tf cli reference" not in cli_page  # the marker was replaced
    api_page = open(tmp_path / "site" / "reference" / "api" / "training" / "index.html").read()
    assert 'id="gan_tf.training.driver.train"' in api_page and 'id="gan_tf.data.reader.make_dataset"' in api_page
    assert os.path.exists(tmp_path / "site" / "quickstart_150s.png")


@pytest.mark.parametrize("page, message", [
    ("See [the other page](other.md#no-such-heading).", "does not contain an anchor '#no-such-heading'"),
    ("![picture](missing.png)", "'missing.png'"),
    ("See [a page](missing.md).", "'missing.md'"),
])
def test_strict_build_fails_on_a_broken_anchor_image_or_link(tmp_path, page, message):
    """The site's own validation settings turn each broken reference into a failed build."""
    require_docs_tools()
    site = yaml.safe_load(open(os.path.join(ROOT, "mkdocs.yml")))
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text("# Home\n\n" + page + "\n")
    (tmp_path / "docs" / "other.md").write_text("# Other\n\n## A heading\n")
    config = {"site_name": "probe", "docs_dir": "docs", "validation": site["validation"],
              "markdown_extensions": site["markdown_extensions"]}
    (tmp_path / "mkdocs.yml").write_text(yaml.safe_dump(config))
    code, output = mkdocs_build(tmp_path, tmp_path / "site")
    assert code != 0 and message in output, output


# -- the command-line reference -------------------------------------------------------------


def parsers(parser, path=("gan-tf",)):
    """(command path, parser) of gan-tf and every sub-command, depth first."""
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                if name in {choice.dest for choice in action._choices_actions}:  # not an alias
                    yield from parsers(sub, path + (name,))


def family_section(markdown, name):
    start = markdown.index(f"{{ #gan-tf-train-{name} }}")
    end = markdown.find("\n### ", start)
    return markdown[start:end if end >= 0 else None]


def test_cli_reference_names_every_command_option_and_preset_value():
    hooks = load_hooks()
    assert hooks.MARKER in open(os.path.join(ROOT, "docs", "reference", "cli.md")).read()
    markdown = hooks.cli_markdown()
    checked = 0
    for path, parser in parsers(cli.build_parser()):
        if len(path) == 2:
            assert f"{{ #gan-tf-{path[1]} }}" in markdown, path
        for action in parser._actions:
            for flag in action.option_strings:
                if flag not in ("-h", "--help"):
                    assert f"`{flag}" in markdown, (path, flag)
                    checked += 1
    assert checked > 300  # every family's flags, not just the top level
    for entry in registry.FAMILIES.values():
        section = family_section(markdown, entry.name)
        rows = {line.split("`")[1].split()[0]: line for line in section.splitlines() if line.startswith("| `--")}
        for preset, values in entry.config_class.presets().items():
            for field, value in values.items():
                if field != "batch_size":
                    row = rows[f"--{field.replace('_', '-')}"]
                    assert f"`{value}`" in row, (entry.name, preset, field, row)


# -- getting started ------------------------------------------------------------------------


def shell_lines(path):
    """The commands of every ```bash block of a page, continuation lines joined."""
    text = open(path).read()
    lines = []
    for block in re.findall(r"```bash\n(.*?)```", text, re.S):
        for line in block.replace("\\\n", " ").splitlines():
            if line.strip():
                lines.append(line.strip())
    return lines, " ".join(text.split())


def check_setup_line(line):
    """A line that installs or runs a script: the script exists and parses, the variables set
    before it are ones it reads, an activated environment is the one set-up creates."""
    setup = open(os.path.join(ROOT, "scripts", "setup.sh")).read()
    activate = re.fullmatch(r"(?:\.|source) (\S+)/bin/activate", line)
    if activate:
        assert re.search(r"\$\{VENV:-" + re.escape(activate.group(1)) + r"\}", setup), line
        return
    script = re.fullmatch(r"((?:[A-Z_]+=\S+ )*)bash (scripts/\w+\.sh)", line)
    assert script, f"no rule for this line of getting-started.md: {line}"
    path = os.path.join(ROOT, script.group(2))
    assert subprocess.run(["bash", "-n", path]).returncode == 0, line
    text = open(path).read()
    for name in re.findall(r"([A-Z_]+)=", script.group(1)):
        assert re.search(r"\$\{?" + name + r"\b", text), f"{script.group(2)} does not read {name}"


def test_getting_started_blocks_run(fashion_mnist_files, tmp_path, monkeypatch):
    lines, text = shell_lines(GETTING_STARTED)
    assert f"appending `{APPENDED}` to the `gan-tf train` line only" in text
    commands = [line for line in lines if line.startswith("gan-tf ")]
    for line in lines:
        if not line.startswith("gan-tf "):
            check_setup_line(line)
    assert [c.split()[1] for c in commands] == ["preprocess", "train", "export", "sample", "animate",
                                                "serving-config"]
    monkeypatch.chdir(tmp_path)
    run_documented(commands)
    assert Image.open("progress.gif").n_frames == 1
    assert 'name: "fashion_gan"' in open("saved_models/models.config").read()


def test_setup_lines_are_checked_not_waved_through():
    """The rules refuse a script that does not exist, a variable the script does not read, an
    environment set-up does not create and any line without a rule."""
    check_setup_line("PYTHON=python3.13 VENV=.venv313 bash scripts/setup.sh")
    for bad in ("bash scripts/no_such_script.sh", "NO_SUCH_VARIABLE=1 bash scripts/quickstart.sh",
                ". .venv313/bin/activate", "pip install gan_tf"):
        with pytest.raises((AssertionError, FileNotFoundError)):
            check_setup_line(bad)
