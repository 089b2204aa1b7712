"""WGAN-GP vs the BCE FashionGAN on the same networks and data: throughput, and FID/KID on the
Fashion-MNIST domain classifier after the same wall-clock budget.

    python -m bench.wgan_gp_vs_bce --data data/fashion_mnist --classifier fashion_mnist.keras
        [--seconds 150] [--batch-size 32] [--samples 5000] [--no-jit] [--json out.json]

Both use FashionGAN's source networks; WGAN-GP adds the Wasserstein loss, the gradient penalty
(lambda 10), 5 critic steps per generator step and Adam(1e-4, 0, 0.9). Each trains on the full
training split for `--seconds` of wall time after its first (compiling) step. The budget is
wall-clock time, not a number of generator updates, because the question is which variant buys
better samples with the same compute: WGAN-GP's update costs several BCE updates (5 critic
steps, each with a second-order gradient), so equal updates would hand it several times the
compute. Throughput comes from the same runs: real images and generator updates per second
after the first step (one real batch per generator update). Then `--samples` samples of each
are scored against the 10,000 real test images, beside the real-train vs real-test floor.
Both variants run in one process one after the other; on a shared machine their load differs.
"""

from bench import harness, quality
from bench.report import train_on_data
from gan_tf.training import devices

VARIANTS = {  # FashionGAN settings over its defaults
    "bce (fashion_gan defaults)": {},
    "wgan-gp (lambda 10, 5 critic steps)": {
        "loss": "wasserstein", "gradient_penalty": 10.0, "critic_steps": 5,
        "g_learning_rate": 1e-4, "d_learning_rate": 1e-4, "beta_1": 0.0, "beta_2": 0.9},
}


def measure(data, classifier, seconds, batch_size, samples, jit):
    """The floor row, then per variant: updates, throughput and FID/KID after `seconds`."""
    extractor, accuracy = quality.extractor_for(data, classifier)
    test_features = quality.real_test_features(extractor, data)
    rows = [{"variant": "real train vs real test (floor)",
             **quality.floor(extractor, data, test_features, samples)}]
    for name, settings in VARIANTS.items():
        clock = (trained := train_on_data("fashion_gan", data, batch_size, jit, seconds=seconds,
                                          **settings)).clock
        rows.append({
            "variant": name, "budget_s": seconds, "generator_updates": clock.step,
            "images_per_second": batch_size * clock.steps_per_second,
            "generator_updates_per_second": clock.steps_per_second,
            **quality.model_scores(trained.model, extractor, test_features, samples),
        })
        print(rows[-1], flush=True)
    for row in rows:
        row["classifier_test_accuracy"] = accuracy
    return rows


def main(argv=None):
    parser = harness.parser(__doc__, json="the rows")
    parser.add_argument("--data", required=True, help="preprocessed Fashion-MNIST folder")
    parser.add_argument("--classifier", help="domain classifier .keras (default: train one)")
    parser.add_argument("--seconds", type=float, default=150.0,
                        help="training wall time per variant, its first (compiling) step included")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--samples", type=int, default=5000, help="samples per variant (and floor)")
    parser.add_argument("--no-jit", dest="jit", action="store_false", help="run without XLA")
    args = parser.parse_args(argv)
    devices.prepare()
    rows = measure(args.data, args.classifier, args.seconds, args.batch_size, args.samples, args.jit)
    print(f"\n{devices.describe_device()}; batch {args.batch_size}, {args.seconds:g} s of training per variant "
          f"(compiling included), jit {args.jit}; {args.samples} samples vs the 10,000 test images")
    harness.print_table(
        ["variant", "generator updates", "real images/s", "G updates/s", "FID", "KID", "KID s.e."],
        [(r["variant"], r.get("generator_updates", "-"), harness.number(r.get("images_per_second")),
          harness.number(r.get("generator_updates_per_second"), 3), f"{r['fid']:.2f}", f"{r['kid']:.4f}",
          f"{r['kid_error']:.4f}") for r in rows])  # the floor row trains nothing
    bce, wgan = rows[1], rows[2]
    print(f"bce / wgan-gp throughput (generator updates/s): "
          f"{bce['generator_updates_per_second'] / wgan['generator_updates_per_second']:.2f}")
    if args.json:
        harness.write_json(args.json, {"batch_size": args.batch_size, "jit": args.jit, "rows": rows})


if __name__ == "__main__":
    main()
