"""What a run folder holds between runs, kept consistent with the settings of each run.

- `resume`: a checkpoint is resumed only under the settings it was trained with. Optimizer
  hyper-parameters (learning rates, betas) may change: the new values win, are printed and
  recorded in `<run_dir>/config.json`. Any other difference (architecture, loss, seed, the
  data's shape) is refused before anything is overwritten.
- `save_model`: the final `model.keras` is written beside itself and renamed into place, so a
  kill leaves the previous file or none, never half a zip.
- `note_data_fields`: says when the data gives a family another shape than its default.
- `check_family`: a run folder's `model.keras` must be of the family the folder records; the
  name it records (the family's, or an alias such as `wgan_gp`) names its export.
"""

import json
import os

import keras

from gan_tf import registry
from gan_tf.files import tempfiles, writes

CONFIG_FILE = "config.json"


class SettingsMismatchError(ValueError):
    """A run folder's checkpoint was trained with settings the new run does not match."""


def is_optimizer_field(name):
    """Optimizer hyper-parameters: changing them on resume is allowed (the new value wins)."""
    return name.endswith("learning_rate") or name in ("beta_1", "beta_2")


def _plain(config):
    """The config as JSON gives it back (tuples as lists), so saved and new values compare."""
    return json.loads(json.dumps(config.to_dict()))


def differences(saved, config):
    """{field: (saved, new)} of every field that differs."""
    new = _plain(config)
    return {name: (saved.get(name), value) for name, value in new.items() if saved.get(name) != value}


def _describe(changes):
    return ", ".join(f"{name} {old} -> {new}" for name, (old, new) in sorted(changes.items()))


def resume(checkpoint, model, config, run_dir, name=None):
    """Restores `checkpoint` (an `EpochCheckpoint`) into `model`, built from `config`; returns
    the finished epochs. Refuses a checkpoint of other settings; applies changed optimizer
    settings and records them, with the `name` the run is trained under (`record_config`)."""
    tempfiles.clean_stale(run_dir)  # a killed final save's temporary .keras
    saved = checkpoint.saved_config()
    changes = differences(saved, config) if saved is not None else {}
    refused = {name: change for name, change in changes.items() if not is_optimizer_field(name)}
    if refused:
        raise SettingsMismatchError(
            f"{run_dir} holds a checkpoint trained with other settings ({_describe(refused)}); "
            f"nothing was changed. Run with --fresh to discard it and start over, or choose "
            f"another --run-dir")
    # The checkpoint holds the optimizers' learning-rate variables: put the new ones back.
    optimizers = [getattr(o, "inner_optimizer", o) for o in model.optimizers()]  # unwrap loss scaling
    rates = [(o, float(keras.ops.convert_to_numpy(o.learning_rate))) for o in optimizers
             if not callable(getattr(o, "_learning_rate", None))]
    epoch = checkpoint.restore(model)
    for optimizer, rate in rates:
        optimizer.learning_rate = rate
    if epoch and changes:
        print(f"resuming with changed optimizer settings: {_describe(changes)}", flush=True)
    record_config(run_dir, config, epoch, changes if epoch else {}, name)
    return epoch


def record_config(run_dir, config, epoch, changes, name=None):
    """Writes `<run_dir>/config.json`: the family (the `name` the run is trained under: the
    family's, or an alias such as `wgan_gp`; default: the config's family), the settings in
    force and every change made on resume."""
    path = os.path.join(run_dir, CONFIG_FILE)
    history = []
    if epoch:
        try:
            with open(path) as handle:
                history = json.load(handle).get("changes", [])
        except (OSError, ValueError):
            pass
    if changes:
        history.append({"after_epoch": epoch,
                        "changed": {name: [old, new] for name, (old, new) in sorted(changes.items())}})
    writes.write_json(path, {"family": name or registry.family_of_config(config).name,
                             "config": _plain(config), "changes": history})


def save_model(model, path, kept=""):
    """Saves `model` to `path` (.keras) atomically: a temporary file renamed into place. A full
    or read-only disk ends in a `writes.WriteError` naming `path` and `kept`."""
    folder = os.path.dirname(os.path.abspath(path))
    staging = os.path.join(folder, tempfiles.temp_name(suffix=".keras"))
    try:
        model.save(staging)
        os.replace(staging, path)
    except OSError as error:
        failure = writes.as_write_error(error, path, kept or "no model file written")
        if failure is None:
            raise
        raise failure from None
    finally:
        if os.path.exists(staging):
            os.remove(staging)


class OtherFamilyError(ValueError):
    """A run folder's `model.keras` is of another family than the run the folder records."""


def check_family(run_dir, model):
    """Refuses `model`, loaded from `run_dir`'s `model.keras`, when it is of another family
    than the run `run_dir/config.json` records (a file copied in): exported, it would be
    published as that run. Returns the name the folder records (the family's, or the alias
    the run was trained under, `wgan_gp`: its export's name), or None. Folders recorded before
    config.json named the family are told by their config's fields; a folder without
    config.json records nothing to compare."""
    try:
        with open(os.path.join(run_dir, CONFIG_FILE)) as handle:
            recorded = json.load(handle)
    except (OSError, ValueError):
        return None
    held = registry.family_of(model).name
    name = recorded.get("family")
    if name:  # a run recorded under an alias (wgan_gp) is a run of its family (dcgan)
        families = [registry.family(name).name if name in registry.names(with_aliases=True) else name]
    else:
        families = registry.families_with_fields(recorded.get("config", {}))
    if families and held not in families:
        path = os.path.join(run_dir, "model.keras")
        raise OtherFamilyError(
            f"{path} holds a {held} model, but {run_dir} is a {' or '.join(families)} run (its "
            f"{CONFIG_FILE}); nothing exported: export the file itself (gan-tf export {path}) to "
            f"publish it as {held}, or train again into this folder")
    return name


SHAPE_FIELDS = ("image_shape", "channels", "num_classes", "input_channels", "output_channels",
                "embedding_dim")


def note_data_fields(name, config):
    """Prints one line when the data gives `config` another shape than its family's default."""
    default = type(config)()
    changed = [f"{field} {getattr(config, field)} (default {getattr(default, field)})"
               for field in config.DATA_FIELDS
               if field in SHAPE_FIELDS and getattr(config, field) != getattr(default, field)]
    if changed:
        print(f"note: the data sets {name}'s {', '.join(changed)}; the networks are built for it",
              flush=True)
