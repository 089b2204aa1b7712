"""VAE and CVAE on the full real MNIST and Fashion-MNIST: test-set negative ELBO after a fixed
training budget, and how often a separately trained classifier reads a CVAE sample as its label.

    python -m bench.vae_elbo [--steps 100] [--batch-size 128] [--datasets mnist,fashion_mnist]
        [--mnist DIR] [--fashion-mnist DIR]

Each data set's IDX files (`--mnist`, `--fashion-mnist`, or `bench.harness`' environment
variables) go through the Beam preprocessing stage first (kept in --work-dir and reused).
The negative ELBO is reconstruction BCE summed over pixels + KL, in nats per test image, from
one posterior sample per image (Bernoulli likelihood on gray values in [0, 1], as in the
source). The classifier is a small CNN trained for one pass over the first 20,000 training
images of the same split; its
test accuracy is printed so the agreement figure can be judged against it.
"""

import argparse

import numpy as np

from bench import harness
from bench.report import preprocessed, train_on_data
from gan_tf.data.reader import make_dataset
from gan_tf.metrics.classifier import train_domain_classifier
from gan_tf.serving.signatures.latent import images as served_images

SAMPLES_PER_CLASS = 100
CLASSIFIER_RECORDS = 20_000


def negative_elbo(model, data):
    test = make_dataset(data, "test", batch_size=500, with_labels=model.uses_labels, shuffle=False,
                        drop_remainder=False)
    return model.evaluate(test, verbose=0, return_dict=True)


def label_agreement(cvae, reader):
    wanted = np.repeat(np.arange(cvae.num_classes), SAMPLES_PER_CLASS)
    images = served_images(cvae, cvae.seeded_latent(len(wanted), 0), wanted)
    predicted = reader.predict(np.asarray(images, np.float32), verbose=0).argmax(axis=1)
    return float(np.mean(predicted == wanted))


def main(argv=None):
    parser = harness.parser(__doc__, json="the rows")
    parser.add_argument("--steps", type=int, default=100, help="training steps per model")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--datasets", type=harness.comma_list(choices=harness.IDX_FOLDERS, what="data sets"),
                        default="mnist,fashion_mnist")
    for folder in harness.IDX_FOLDERS.values():
        folder.add_flag(parser)
    harness.add_work_dir(parser)
    parser.add_argument("--jit", action=argparse.BooleanOptionalAction, default=False,
                        help="compile the train step with XLA")
    args = parser.parse_args(argv)
    sources = {name: harness.IDX_FOLDERS[name].path(getattr(args, name)) for name in args.datasets}
    rows = []
    for name, source in sources.items():
        data = preprocessed(name, source, args.work_dir)
        reader, reader_accuracy = train_domain_classifier(
            data, epochs=1, batch_size=args.batch_size, limit=CLASSIFIER_RECORDS, seed=1, verbose=0)
        for family in ("vae", "cvae"):
            trained = train_on_data(family, data, args.batch_size, args.jit, steps=args.steps)
            model = trained.model
            result = negative_elbo(model, data)
            rows.append({
                "data": name, "model": family, "steps": args.steps,
                "train_s": round(trained.clock.seconds, 1), "neg_elbo": round(result["loss"], 2),
                "reconstruction": round(result["reconstruction_loss"], 2),
                "kl": round(result["kl_loss"], 2),
                "label_agreement": round(label_agreement(model, reader), 3) if model.uses_labels else None,
                "classifier_accuracy": round(reader_accuracy, 3),
            })
            print(rows[-1], flush=True)
    print(f"\n{args.steps} steps x batch {args.batch_size}, jit {args.jit}; nats per test image")
    harness.print_table(
        ["data", "model", "train s", "-ELBO", "reconstruction", "KL", "CVAE label agreement", "classifier acc"],
        [(r["data"], r["model"], r["train_s"], r["neg_elbo"], r["reconstruction"], r["kl"],
          harness.number(r["label_agreement"], 3), r["classifier_accuracy"]) for r in rows])
    if args.json:
        harness.write_json(args.json, rows)


if __name__ == "__main__":
    main()
