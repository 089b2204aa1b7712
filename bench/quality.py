"""Sample quality after a fixed training budget: FID/KID on the domain classifier's features.

    python -m bench.quality --data data/fashion_mnist --classifier classifiers/fashion_mnist.keras
        [--steps 100] [--batch-size 32] [--samples 5000]

FashionGAN and the CVAE train for `--steps` updates at `--batch-size` on the full training split
(XLA on); `--samples` samples of each are compared with the real test images (all of them, as
the protocol in docs/metrics.md says), and the floor is real training images (as many as samples) against
the same test images, measured the same way. Without `--classifier` one is trained first (one
pass over 20,000 training images) and its test accuracy is reported beside the scores.
"""

from bench import harness
from bench.report import train_on_data
from gan_tf.metrics.classifier import train_domain_classifier
from gan_tf.metrics.features import classifier_features, stream_features
from gan_tf.metrics.report import evaluate_model, quality_report, real_image_batches

CLASSIFIER_RECORDS = 20_000
FAMILIES = ("fashion_gan", "cvae")


def extractor_for(data, classifier=None, limit=CLASSIFIER_RECORDS):
    """(feature extractor, classifier test accuracy or None) from a saved or a new classifier."""
    if classifier:
        return classifier_features(classifier), None
    model, accuracy = train_domain_classifier(data, epochs=1, limit=limit, seed=1, verbose=0)
    return classifier_features(model), accuracy


def scores(report):
    """The FID/KID part of a `quality_report`, rounded for tables."""
    return {"fid": round(report["fid"], 3), "kid": round(report["kid"], 5),
            "kid_error": round(report["kid_error"], 5)}


def real_test_features(extractor, data):
    return stream_features(extractor, real_image_batches(data, "test"))


def floor(extractor, data, test_features, count):
    """Scores of `count` real training images against the real test images."""
    train_features = stream_features(extractor, real_image_batches(data, "train", limit=count))
    return scores(quality_report(test_features, train_features))


def model_scores(model, extractor, test_features, count):
    return scores(evaluate_model(model, extractor, test_features, count=count))


def measure(data, classifier=None, steps=100, batch_size=32, samples=5000, jit=True,
            classifier_records=CLASSIFIER_RECORDS):
    """Rows: the real-vs-real floor, then each model after `steps` x `batch_size`."""
    extractor, accuracy = extractor_for(data, classifier, classifier_records)
    test_features = real_test_features(extractor, data)
    rows = [{"what": "real train vs real test (floor)", "samples": samples,
             **floor(extractor, data, test_features, samples)}]
    for name in FAMILIES:
        trained = train_on_data(name, data, batch_size, jit, steps=steps)
        rows.append({"what": name, "steps": steps, "batch_size": batch_size,
                     "train_s": round(trained.clock.seconds, 1), "samples": samples,
                     **model_scores(trained.model, extractor, test_features, samples)})
    for row in rows:
        row["classifier_test_accuracy"] = accuracy
        print(row, flush=True)
    return rows


def main(argv=None):
    parser = harness.parser(__doc__, json="the rows")
    parser.add_argument("--data", required=True, help="preprocessed Fashion-MNIST folder")
    parser.add_argument("--classifier", help="domain classifier .keras (gan-tf train-classifier)")
    parser.add_argument("--steps", type=int, default=100, help="training updates per model")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--samples", type=int, default=5000, help="samples per model (and floor)")
    args = parser.parse_args(argv)
    rows = measure(args.data, args.classifier, args.steps, args.batch_size, args.samples)
    if args.json:
        harness.write_json(args.json, rows)


if __name__ == "__main__":
    main()
