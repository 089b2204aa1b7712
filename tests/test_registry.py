"""The family registry and the package's module structure: one declaration per family, every
module importable alone, no import cycle inside `gan_tf`."""

import ast
import dataclasses
import inspect
import os
import subprocess
import sys

import pytest

from gan_tf import cli, registry
from gan_tf.training import driver as training
from gan_tf.training.run_options import RunOptions

PACKAGE = os.path.join(os.path.dirname(__file__), "..", "gan_tf")


def gan_tf_modules():
    """{module name: source path} of every module of the package."""
    modules = {}
    for root, _, names in os.walk(PACKAGE):
        for name in names:
            if name.endswith(".py"):
                relative = os.path.relpath(os.path.join(root, name), os.path.join(PACKAGE, ".."))
                module = relative[:-3].replace(os.sep, ".").removesuffix(".__init__")
                modules[module] = os.path.join(root, name)
    return modules


def import_graph(modules):
    """{module: set of gan_tf modules it imports}, module-level and inside functions alike."""
    graph = {}
    for module, path in modules.items():
        edges = set()
        for node in ast.walk(ast.parse(open(path).read())):
            if isinstance(node, ast.Import):
                edges |= {alias.name for alias in node.names if alias.name in modules}
            elif isinstance(node, ast.ImportFrom) and node.module and node.module in modules:
                for alias in node.names:  # `from gan_tf import x` imports the module gan_tf.x
                    submodule = f"{node.module}.{alias.name}"
                    edges.add(submodule if submodule in modules else node.module)
        graph[module] = edges - {module}
    return graph


def find_cycle(graph):
    """One import cycle as a list of modules, or None."""
    state = {}

    def visit(module, path):
        state[module] = "open"
        for target in sorted(graph[module]):
            if state.get(target) == "open":
                return path[path.index(target):] + [target]
            if target not in state:
                cycle = visit(target, path + [target])
                if cycle:
                    return cycle
        state[module] = "done"
        return None

    for module in sorted(graph):
        if module not in state:
            cycle = visit(module, [module])
            if cycle:
                return cycle
    return None


def test_find_cycle_finds_one():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_package_has_no_import_cycle():
    assert find_cycle(import_graph(gan_tf_modules())) is None


def test_the_package_root_holds_the_entry_points_and_packages_grouped_by_concern():
    modules = gan_tf_modules()
    top = {name for name in modules if name.count(".") == 1}
    packages = {name for name in top if modules[name].endswith("__init__.py")}
    assert top - packages == {"gan_tf.cli", "gan_tf.config", "gan_tf.registry"}
    assert {"gan_tf.data", "gan_tf.training", "gan_tf.serving", "gan_tf.families"} <= packages
    assert "gan_tf.families.vanilla.toy_data" in modules  # its one user's folder


def test_every_module_imports_alone():
    """Each module is imported in a fresh state of the package (TensorFlow stays loaded)."""
    script = (
        "import importlib, sys\n"
        "failed = []\n"
        f"for name in {sorted(gan_tf_modules())!r}:\n"
        "    for loaded in [m for m in sys.modules if m == 'gan_tf' or m.startswith('gan_tf.')]:\n"
        "        del sys.modules[loaded]\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except Exception as error:\n"
        "        failed.append(f'{name}: {error!r}')\n"
        "print('\\n'.join(failed))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=300, cwd=os.path.join(PACKAGE, ".."))
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == ""


@pytest.mark.parametrize("name", list(registry.FAMILIES))
def test_family_entry_matches_its_model(name):
    entry = registry.FAMILIES[name]
    model_class = entry.model_class()
    assert model_class.config_class is entry.config_class
    fields = {field.name for field in dataclasses.fields(entry.config_class)}
    assert set(entry.config_class.DATA_FIELDS) <= fields
    assert entry.name == entry.name.lower() and "-" not in entry.name
    assert registry.family_of(model_class()) is entry
    # Config fields, run options and the driver's own keyword arguments share one namespace in train().
    driver_options = set(inspect.signature(training.train).parameters) | set(RunOptions.names())
    assert not fields & driver_options, fields & driver_options


def test_aliases_and_unknown_names():
    # wgan_gp is the dcgan family's `wgan_gp` preset, under its own name.
    assert registry.family("wgan-gp") is registry.family("wgan_gp") is registry.FAMILIES["dcgan"]
    assert registry.preset_of("wgan-gp") == registry.preset_of("wgan_gp") == "wgan_gp"
    with pytest.raises(ValueError, match="unknown family 'gan'"):
        registry.family("gan")


def test_wgan_gp_trains_the_dcgan_preset_into_its_own_run_folder():
    for name in ("wgan_gp", "wgan-gp"):
        args = cli.build_parser().parse_args(["train", name, "--data", "d"])
        assert (registry.family(args.family).name, args.preset) == ("dcgan", "wgan_gp")
        assert registry.run_name(name) == "wgan_gp"
    assert cli.build_parser().parse_args(["train", "dcgan", "--data", "d"]).preset == "source"
    assert (registry.preset_of("dcgan"), registry.run_name("dcgan")) == ("source", "dcgan")


@pytest.mark.parametrize("name", list(registry.FAMILIES))
def test_a_family_is_its_folder_and_its_presets_hold_config_values_only(name):
    entry = registry.FAMILIES[name]
    assert entry.config_class.__module__ == f"gan_tf.families.{name}.config"
    assert entry.model.startswith(f"gan_tf.families.{name}.model:")
    for preset in entry.config_class.presets():
        entry.config_class.from_preset(preset)  # every value names a field
    assert set(entry.preset_batch_sizes) | set(entry.aliases.values()) <= set(entry.config_class.presets())


def test_cli_offers_every_family_and_no_data_field_as_flag(capsys):
    for name in registry.names(with_aliases=True):
        with pytest.raises(SystemExit):
            cli.main(["train", name, "--help"])
        text = capsys.readouterr().out
        entry = registry.family(name)
        assert f"default: {entry.default_batch_size})" in text
        for field in entry.config_class.DATA_FIELDS:
            assert f"--{field.replace('_', '-')} " not in text


def test_data_fields_are_refused_as_settings():
    with pytest.raises(ValueError, match="image_shape of fashion_gan come from the data"):
        training.resolve_config("fashion_gan", image_shape=(64, 64, 3))
