"""Roofline accounting shared by the training and serving benchmarks: the machine's dense
float32 matmul rate, and the FLOPs of a TensorFlow computation.

    python -m bench.roofline [--size 2048]     # prints the matmul rate

FLOPs come from TensorFlow's own cost model (`tf.compat.v1.profiler`, the per-op "flops"
statistics registered in `tensorflow/python/profiler/internal/flops_registry.py` and
`nn_ops.py`): the computation is traced once into a graph with its inputs as constants, so
every shape (and a `count` input's value) is static, and the statistics of the ops the call
runs are summed. A convolution counts 2 x output elements x kernel taps x input channels
(padding taps included), each of its two gradients the same as the forward (`CONV_GRADIENTS`);
a matmul 2 x m x n x k; elementwise ops one per element; ops without a registered statistic
(reductions, copies) nothing. Nothing is run, so counting costs a trace, not a step.

The roofline time of a computation is its FLOPs over the matmul rate: a network made of
large dense convolutions cannot run faster than the machine multiplies matrices.
"""

import math
import statistics

import tensorflow as tf

from bench import harness

MATMUL_SIZE = 2048


def matmul_rate(size=MATMUL_SIZE, samples=5, min_seconds=0.05):
    """GFLOP/s of a float32 `size` x `size` `tf.linalg.matmul` on the default device: two
    untimed calls, then the median of `samples` timed samples, each as many back-to-back calls
    as take `min_seconds` (so a GPU's launch overhead does not count), synchronised by reading
    one element back."""
    a = tf.random.normal((size, size), seed=1)
    b = tf.random.normal((size, size), seed=2)

    def run(calls):
        with harness.Timer() as timer:
            for _ in range(calls):
                c = tf.linalg.matmul(a, b)
            float(c[0, 0])
        return timer.seconds

    run(1)
    calls = max(1, math.ceil(min_seconds / run(1)))
    seconds = statistics.median(run(calls) / calls for _ in range(samples))
    return 2 * size**3 / seconds / 1e9


def graph_flops(function, inputs=()):
    """FLOPs of one call `function(*inputs)` (TensorFlow's cost model, above), counting only
    the ops that run: those its outputs and its side effects (variable updates) depend on.
    A gradient's op makes both of a convolution's gradients even where one is used (G's
    update through D needs no D weight gradients); TensorFlow's graph pruning and XLA drop the
    other before running, and so does the count. `inputs` (a list of nests of tensors or
    arrays) enter the graph as constants: captured tensors would become placeholders, and
    shapes that depend on an input's value (a `count`) would be unknown."""
    arrays = tf.nest.map_structure(lambda value: tf.convert_to_tensor(value).numpy(), list(inputs))
    traced = tf.function(lambda: function(*tf.nest.map_structure(tf.constant, arrays)), autograph=False)
    graph = traced.get_concrete_function().graph
    options = (tf.compat.v1.profiler.ProfileOptionBuilder(
        tf.compat.v1.profiler.ProfileOptionBuilder.float_operation()).with_empty_output().build())
    counted = {node.name: node.float_ops for node in _tree(tf.compat.v1.profiler.profile(graph, options=options))}
    return int(sum(_conv_gradient_flops(op) if op.type in CONV_GRADIENTS else counted.get(op.name, 0)
                   for op in _ops_that_run(graph)))


# TensorFlow's registry counts these as input positions / stride^2 x taps x channels, which
# overcounts a "valid" convolution's gradients; each is the forward convolution's count.
CONV_GRADIENTS = ("Conv2DBackpropInput", "Conv2DBackpropFilter")


def _conv_gradient_flops(op):
    """A convolution gradient's FLOPs: 2 x the forward's output elements (the gradient it is
    given) x its taps x its input channels, as `Conv2D` counts the forward."""
    kernel = op.inputs[1].shape if op.type == "Conv2DBackpropInput" else op.outputs[0].shape
    return 2 * op.inputs[2].shape.num_elements() * kernel[:3].num_elements()


def _ops_that_run(graph):
    """The ops a call runs: its outputs' and its side effects' inputs, transitively."""
    pending = [tensor.op for tensor in graph.outputs] + list(graph.control_outputs)
    seen = {}
    while pending:
        op = pending.pop()
        if op.name not in seen:
            seen[op.name] = op
            pending += [tensor.op for tensor in op.inputs] + list(op.control_inputs)
    return seen.values()


def _tree(node):
    """Every node of the profiler's (name scope) tree; each carries its own op's `float_ops`."""
    yield node
    for child in node.children:
        yield from _tree(child)


def accounting(flops_per_image, images_per_second, matmul_gflops):
    """{flops_per_image, gflops, roofline_fraction}: the achieved rate and its share of the
    matmul rate (1.0: as fast as the machine multiplies matrices)."""
    gflops = flops_per_image * images_per_second / 1e9
    return {"flops_per_image": flops_per_image, "gflops": gflops,
            "roofline_fraction": gflops / matmul_gflops}


def cells(row):
    """The `accounting` of a row as three table cells: GFLOP per image, GFLOP/s, its share of
    the matmul rate."""
    return [f"{row['flops_per_image'] / 1e9:,.3f}", f"{row['gflops']:,.1f}", f"{row['roofline_fraction']:.2f}"]


def main(argv=None):
    parser = harness.parser(__doc__)
    parser.add_argument("--size", type=int, default=MATMUL_SIZE, help="matrix side")
    args = parser.parse_args(argv)
    from gan_tf.training import devices

    devices.prepare()
    print(f"{devices.describe_device()}: float32 {args.size}x{args.size} matmul "
          f"{matmul_rate(args.size):,.1f} GFLOP/s")


if __name__ == "__main__":
    main()
