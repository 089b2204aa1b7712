"""Export time and SavedModel size of every family at its default (source) size.

    python -m bench.export_cost [--families fashion_gan,vae,...]

Each model is built untrained (export cost does not depend on the weights' values), exported
through `gan_tf.serving.export` (SavedModel, warm-up records, atomic rename) into a temporary folder.
"""

import os
import tempfile

from bench import harness
from gan_tf.registry import family
from gan_tf.serving import export, signatures


def folder_size(path):
    return sum(os.path.getsize(os.path.join(root, name)) for root, _, names in os.walk(path) for name in names)


def export_untrained(name, base, config=None):
    """(export path, parameter count, export seconds, model) of an untrained `name` model."""
    model_class = family(name).model_class()
    model = model_class(config or model_class.config_class())
    parameters = sum(int(w.numpy().size) for n in signatures.networks(model) for w in n.weights)
    with harness.Timer() as timer:
        path = export.export(model, base, name)
    return path, parameters, timer.seconds, model


def main(argv=None):
    parser = harness.parser(__doc__)
    harness.add_families(parser)
    args = parser.parse_args(argv)
    harness.print_table(["family", "parameters", "export s", "SavedModel MB", "signatures"])
    with tempfile.TemporaryDirectory() as base:
        for name in args.families:
            path, parameters, seconds, model = export_untrained(name, base)
            harness.print_row([name, f"{parameters:,}", f"{seconds:.1f}", f"{folder_size(path) / 2**20:.1f}",
                               ", ".join(signatures.endpoints(model))])


if __name__ == "__main__":
    main()
