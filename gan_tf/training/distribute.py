"""tf.distribute support shared by every family: global-batch losses, per-replica randomness,
reported values, strategies and mixed precision.

Keras 3's TensorFlow trainer runs a model's `train_step` inside `strategy.run` (once per
replica, on that replica's slice of the global batch), sums the gradients of all replicas in
`optimizer.apply_gradients` (an all-reduce SUM), and averages the logs the step returns over
the replicas. So, as in `tf.nn.compute_average_loss`, the loss a replica differentiates must be
its share of the global-batch mean: sum of its per-example losses / global batch size
(`global_batch_average`); the sum over replicas is then the single-device loss and the summed
gradients the single-device gradient. Reported values are all-reduced to the global-batch mean
(`global_value`), so every replica's trackers hold the same numbers and the logs are exact.

Random draws inside a step (latents, interpolation weights, label noise, VAE noise, history
pool choices) go through `draw_per_replica`: every replica draws the global batch's worth from
the same seeded stream and keeps its own slice, so replicas get different numbers and N
replicas draw exactly what one device would for the same global batch.

Outside a replica context with several replicas (single device, the default strategy,
`evaluate` in cross-replica code) every helper reduces to the plain batch mean / draw.
"""

import keras
import tensorflow as tf
from keras import ops

from gan_tf.training.run_options import STRATEGIES


# -- Replica layout -----------------------------------------------------------------------


def _replica_context():
    """The replica context when the step runs on more than one replica in sync, else None."""
    context = tf.distribute.get_replica_context()
    if context is None or context.num_replicas_in_sync == 1:
        return None
    return context


def batch_layout(local_batch):
    """(offset of this replica's examples in the global batch, global batch size).

    The sizes are gathered from every replica, so uneven splits (a global batch that does not
    divide by the replica count) are exact too. One device: (0, local_batch).
    """
    local_batch = tf.cast(local_batch, tf.int32)
    context = _replica_context()
    if context is None:
        return tf.constant(0, tf.int32), local_batch
    sizes = context.all_gather(tf.reshape(local_batch, [1]), axis=0)
    replica = tf.cast(context.replica_id_in_sync_group, tf.int32)
    before = tf.range(context.num_replicas_in_sync) < replica
    return tf.reduce_sum(tf.where(before, sizes, 0)), tf.reduce_sum(sizes)


def global_batch_size(local_batch):
    return batch_layout(local_batch)[1]


# -- Losses and reported values -----------------------------------------------------------


def per_example_mean(values):
    """Mean over every axis but the first: one value per example."""
    values = ops.convert_to_tensor(values)
    if len(values.shape) <= 1:
        return values
    return ops.mean(ops.reshape(values, (ops.shape(values)[0], -1)), axis=-1)


def global_batch_average(per_example_losses):
    """This replica's share of the global-batch mean of per-example losses (float32).

    sum(per-example losses) / global batch size, like `tf.nn.compute_average_loss` but with
    the exact global batch size. Summed over replicas (what the gradient all-reduce does) it is
    the mean over the global batch; on one device it is the batch mean. Values with more than
    one axis are first averaged per example (pixels, patches).
    """
    values = ops.cast(per_example_mean(per_example_losses), "float32")
    if _replica_context() is None:
        return ops.mean(values)
    batch = global_batch_size(ops.shape(values)[0])
    return ops.sum(values) / ops.cast(batch, "float32")


def global_value(replica_share):
    """The global value of a loss returned by `global_batch_average` (all replicas' shares
    summed), for trackers and logs; on one device the value itself."""
    context = _replica_context()
    if context is None:
        return replica_share
    return context.all_reduce(tf.distribute.ReduceOp.SUM, replica_share)


def replica_mean(value):
    """A per-replica value (an average over the replica's own examples) averaged over the
    replicas, for values that are not global-batch shares (e.g. a user's loss)."""
    context = _replica_context()
    if context is None:
        return value
    return context.all_reduce(tf.distribute.ReduceOp.MEAN, value)


def step_logs(logs):
    """The logs a `train_step`/`test_step` returns, in a form Keras can reduce.

    Keras 3 reduces them with `strategy.reduce("MEAN", value, axis=0)` under a multi-worker
    MultiWorkerMirroredStrategy, which fails on scalars ("Invalid reduction dimension 0 for
    input with 0 dimensions", tensorflow/tensorflow#72388); there each value goes out as a
    one-element vector, which that reduction turns back into the scalar mean.
    """
    strategy = tf.distribute.get_strategy()
    if (isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy)
            and strategy.extended._in_multi_worker_mode()):
        return {name: tf.reshape(value, [1]) for name, value in logs.items()}
    return logs


# -- Randomness ------------------------------------------------------------------------------


def draw_per_replica(draw, local_batch):
    """`draw(n)` returns n random rows from a seeded stream; this replica's rows.

    Every replica draws the rows of the whole global batch (same seed, same numbers) and keeps
    its own slice, so replicas differ and the union is what one device draws for that batch.
    """
    if _replica_context() is None:
        return draw(local_batch)
    offset, batch = batch_layout(local_batch)
    rows = draw(batch)
    return rows[offset:offset + tf.cast(local_batch, tf.int32)]


# -- Strategies ------------------------------------------------------------------------------


def make_strategy(name="default", tpu=None):
    """A `tf.distribute.Strategy` by name.

    `mirrored`: every local GPU (or the CPU); `multiworker`: MultiWorkerMirroredStrategy,
    machines described by the `TF_CONFIG` environment variable (create it first, before any
    other TensorFlow work); `tpu`: TPUStrategy on the TPU `tpu` names (empty: the local or
    Cloud-TPU-VM one); `default`: no distribution.
    """
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    if name == "multiworker":
        return tf.distribute.MultiWorkerMirroredStrategy()
    if name == "tpu":
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver(tpu=tpu or "")
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
        return tf.distribute.TPUStrategy(resolver)
    raise ValueError(f"unknown strategy {name!r}; choose one of {', '.join(STRATEGIES)}")


def worker_count(strategy):
    """Number of machines (workers) the strategy spans."""
    resolver = getattr(strategy, "cluster_resolver", None)
    if isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy) and resolver is not None:
        spec = resolver.cluster_spec().as_dict()
        return max(1, len(spec.get("worker", [])) + len(spec.get("chief", [])))
    return 1


def is_chief(strategy):
    """Whether this process writes the run's files: always, except on the non-chief workers of
    a multi-worker strategy."""
    resolver = getattr(strategy, "cluster_resolver", None)
    if worker_count(strategy) == 1 or resolver is None:
        return True
    task_type, task_id = resolver.task_type, resolver.task_id
    has_chief = "chief" in resolver.cluster_spec().as_dict()
    return task_type == "chief" or (not has_chief and task_type == "worker" and task_id == 0)


def check_batch_size(strategy, batch_size):
    """The global batch must give every replica at least one example, evenly."""
    replicas = strategy.num_replicas_in_sync
    if batch_size % replicas:
        raise ValueError(f"--batch-size {batch_size} is the global batch; it must be a multiple "
                         f"of the {replicas} replicas in sync")


# -- Mixed precision -------------------------------------------------------------------------


def mixed_precision_policy_name():
    """mixed_float16 on GPUs, mixed_bfloat16 elsewhere (TPUs, CPUs)."""
    return "mixed_float16" if tf.config.list_physical_devices("GPU") else "mixed_bfloat16"


def set_mixed_precision(enabled=True, policy=None):
    """Sets Keras' global dtype policy (before the model is built); returns its name."""
    name = (policy or mixed_precision_policy_name()) if enabled else "float32"
    keras.mixed_precision.set_global_policy(name)
    return name


def needs_loss_scaling():
    """float16 compute needs loss scaling (its range is small); bfloat16 and float32 do not."""
    return keras.mixed_precision.global_policy().compute_dtype == "float16"


def loss_scaled(optimizer):
    """`optimizer` wrapped in a dynamic `LossScaleOptimizer` when the global policy computes
    in float16 (each of a GAN's optimizers separately: Keras only wraps the one it is given in
    `compile(optimizer=...)`), else as is."""
    if needs_loss_scaling() and not isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
        return keras.optimizers.LossScaleOptimizer(optimizer, name=f"{optimizer.name}_loss_scale")
    return optimizer


def minimize(tape, loss, optimizer, variables):
    """Applies the gradients of `loss` (recorded by `tape`) to `variables`.

    With a LossScaleOptimizer the backward pass starts from the loss scale instead of 1 (the
    gradients of the scaled loss, without re-recording it); the optimizer unscales them and
    skips steps whose gradients are not finite.
    """
    seed = None
    if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
        seed = optimizer.scale_loss(tf.ones_like(loss))
    gradients = tape.gradient(loss, variables, output_gradients=seed)
    optimizer.apply_gradients(zip(gradients, variables))
