"""A family's `serving_default` latency under export and runtime variants, against the roofline.

    python -m bench.serving_variants [--family fashion_gan] [--batch-size 64] [--rounds 2]
        [--calls 5] [--variants default,xla,grappler_off,onednn_off]

Variants: `default` (the plain export, TensorFlow's default graph optimisations and oneDNN),
`xla` (`gan-tf export --xla`: the signature compiled with `jit_compile=True`), `grappler_off`
(the plain export run with Grappler's optimisers disabled: no constant folding, layout or
Conv+BiasAdd+activation remapping) and `onednn_off` (`TF_ENABLE_ONEDNN_OPTS=0`: Eigen's
kernels instead of oneDNN's). Runtime options are fixed when TensorFlow starts or a function
is first run, so every variant runs in a process of its own, once per round, the variants
alternating; each process measures the float32 matmul rate (`bench.roofline`) just before
and after its calls, so its roofline ratio (latency over FLOPs / matmul rate) is taken under
the same load as its latency.
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile

from bench import harness

VARIANTS = ("default", "xla", "grappler_off", "onednn_off")


def child(path, batch_size, calls):
    """Runs in a variant's process: {latency_s, matmul_gflops} of `path`'s serving_default."""
    import tensorflow as tf

    from bench import roofline
    from bench.serving_latency import call_times, default_endpoint, signature_inputs
    from bench.family_throughput import family_config
    from gan_tf.registry import family

    if os.environ.get("BENCH_GRAPPLER_OFF"):
        tf.config.optimizer.set_experimental_options({"disable_meta_optimizer": True})
    name = os.environ["BENCH_FAMILY"]
    model_class = family(name).model_class()
    config = family_config(name, int(os.environ["BENCH_TRANSLATION_SIZE"]))
    inputs = signature_inputs(default_endpoint(model_class(config))[1], batch_size, config)
    signature = tf.saved_model.load(path).signatures["serving_default"]
    before = roofline.matmul_rate(samples=3)
    latency = statistics.median(call_times(signature, inputs, calls, seconds=10**9))
    after = roofline.matmul_rate(samples=3)
    return {"latency_s": latency, "matmul_gflops": statistics.median([before, after])}


def run_variant(variant, exports, args):
    """One round of `variant` in a fresh process."""
    env = dict(os.environ, BENCH_FAMILY=args.family, BENCH_TRANSLATION_SIZE=str(args.translation_size),
               TF_CPP_MIN_LOG_LEVEL="2")
    if variant == "grappler_off":
        env["BENCH_GRAPPLER_OFF"] = "1"
    if variant == "onednn_off":
        env["TF_ENABLE_ONEDNN_OPTS"] = "0"
    path = exports["xla" if variant == "xla" else "default"]
    code = (f"import json; from bench.serving_variants import child; "
            f"print(json.dumps(child({path!r}, {args.batch_size}, {args.calls})))")
    output = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True,
                            text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def measure(args):
    """{variant: [{latency_s, matmul_gflops, roofline_ratio}, ...] per round} and the FLOPs."""
    from bench import roofline
    from bench.export_cost import export_untrained
    from bench.family_throughput import family_config
    from bench.serving_latency import default_endpoint, signature_inputs
    from gan_tf.registry import family
    from gan_tf.serving import export

    model_class = family(args.family).model_class()
    config = family_config(args.family, args.translation_size)
    with tempfile.TemporaryDirectory() as base:
        path, _, _, model = export_untrained(args.family, base, config)
        exports = {"default": path, "xla": export.export(model, base, f"{args.family}_xla", xla=True)}
        function, specs = default_endpoint(model)
        inputs = signature_inputs(specs, args.batch_size, config)
        flops = roofline.graph_flops(function, [inputs[spec.name] for spec in specs])
        rounds = {variant: [] for variant in args.variants}
        for index in range(args.rounds):
            for variant in args.variants:
                row = run_variant(variant, exports, args)
                row["roofline_ratio"] = row["latency_s"] * row["matmul_gflops"] * 1e9 / flops
                rounds[variant].append(row)
                print(f"round {index + 1} {variant:<13} {1000 * row['latency_s']:9.1f} ms  matmul "
                      f"{row['matmul_gflops']:7.1f} GFLOP/s  latency / roofline time "
                      f"{row['roofline_ratio']:.2f}", flush=True)
    return rounds, flops


def _joined(rows, key, scale, spec):
    return ", ".join(format(scale * row[key], spec) for row in rows)


def markdown(rounds, flops, args):
    lines = [f"{args.family} `serving_default`, batch {args.batch_size}: {flops / 1e9:.1f} GFLOP per call "
             f"({flops / args.batch_size / 1e9:.2f} per image); median of {args.calls} calls per round, "
             f"{args.rounds} alternating rounds, each variant in its own process", ""]
    lines += harness.table(
        ["variant", "latency ms per round", "matmul GFLOP/s per round", "achieved GFLOP/s", "latency / roofline time"],
        [(variant, _joined(rows, "latency_s", 1000, ",.0f"), _joined(rows, "matmul_gflops", 1, ",.0f"),
          f"{flops / statistics.median(r['latency_s'] for r in rows) / 1e9:,.1f}",
          _joined(rows, "roofline_ratio", 1, ".2f")) for variant, rows in rounds.items()])
    return "\n".join(lines)


def main(argv=None):
    parser = harness.parser(__doc__)
    parser.add_argument("--family", default="fashion_gan")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--translation-size", type=int, default=128, help="cyclegan/pix2pix image side")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--calls", type=int, default=5, help="timed calls per round (after one untimed)")
    parser.add_argument("--variants", type=harness.comma_list(choices=VARIANTS, what="variants"),
                        default=",".join(VARIANTS), help=f"of {', '.join(VARIANTS)}")
    args = parser.parse_args(argv)
    rounds, flops = measure(args)
    print("\n" + markdown(rounds, flops, args))
    return rounds


if __name__ == "__main__":
    main()
