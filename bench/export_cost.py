"""Export time and SavedModel size of every family at its default (source) size.

    python -m bench.export_cost [--families fashion_gan,vae,...]

Each model is built untrained (export cost does not depend on the weights' values), exported
through `gan_tf.export` (SavedModel, warm-up records, atomic rename) into a temporary folder.
"""

import argparse
import os
import tempfile
import time

from gan_tf import export
from gan_tf.registry import FAMILIES, family


def folder_size(path):
    return sum(os.path.getsize(os.path.join(root, name)) for root, _, names in os.walk(path) for name in names)


def export_untrained(name, base, config=None):
    """(export path, parameter count, export seconds, model) of an untrained `name` model."""
    model_class = family(name).model_class()
    model = model_class(config or model_class.config_class())
    parameters = sum(int(w.numpy().size) for n in model.serving_networks() for w in n.weights)
    start = time.perf_counter()
    path = export.export(model, base, name)
    return path, parameters, time.perf_counter() - start, model


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--families", default=",".join(FAMILIES))
    args = parser.parse_args(argv)
    print(f"{'family':<12} {'parameters':>12} {'export s':>9} {'size MB':>9}  signatures", flush=True)
    with tempfile.TemporaryDirectory() as base:
        for name in args.families.split(","):
            path, parameters, seconds, model = export_untrained(name, base)
            print(f"{name:<12} {parameters:>12,} {seconds:>9.1f} {folder_size(path) / 2**20:>9.1f}  "
                  f"{', '.join(model.serving_endpoints())}", flush=True)


if __name__ == "__main__":
    main()
