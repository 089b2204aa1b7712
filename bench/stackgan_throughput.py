"""StackGAN: training throughput of Stage-I and Stage-II steps, and text-conditioning accuracy.

    python -m bench.stackgan_throughput [--train 10000] [--steps 200] [--stage2-steps 50] [--json out.json]

1. Throughput (images/s) of one full step (D update on real/wrong/fake pairs, G update with
   KL) of each stage, on fixed random tensors so only the step is timed (first epoch, with
   tracing, excluded), at the captioned Fashion-MNIST recipe's sizes and batch.
2. Text-conditioning accuracy: the first --train / --test images of real Fashion-MNIST are
   captioned and embedded with all-MiniLM-L6-v2 by the Beam stage (kept in --work-dir), Stage-I
   trains --steps steps and Stage-II --stage2-steps on top of it; then one image per test
   caption is drawn (seeded), resized to 28x28, and a separately trained classifier (the
   domain CNN of `gan_tf.metrics.classifier`, one pass over the same training images) names
   its class. The figure is the fraction named as the class the caption names (chance: 0.1).
"""

import argparse
import json
import os
import time

import numpy as np
import tensorflow as tf

from bench.report import StepTimer
from gan_tf import devices, training
from gan_tf.caption_data import read_captioned
from gan_tf.config import StackGANConfig
from gan_tf.metrics.classifier import train_domain_classifier
from gan_tf.models.stackgan import StackGANStageI

FASHION_MNIST = "/usr/share/datasets/fashion-mnist"
# The captioned Fashion-MNIST recipe (README): 32 px Stage-I, 64 px Stage-II, narrower networks.
RECIPE = StackGANConfig(stage1_size=32, stage2_size=64, channels=1, embedding_dim=384,
                        generator_filters=32, stage2_generator_filters=32, discriminator_filters=32,
                        residual_blocks=2)


def subset_idx(work_dir, train, test):
    """The first `train`/`test` real Fashion-MNIST records as IDX files (the pipeline's input)."""
    import gzip
    import struct

    folder = os.path.join(work_dir, f"fashion_mnist_{train}_{test}")
    os.makedirs(folder, exist_ok=True)
    for prefix, count in (("train", train), ("t10k", test)):
        for kind, ndim in (("images-idx3", 3), ("labels-idx1", 1)):
            name = f"{prefix}-{kind}-ubyte.gz"
            with gzip.open(os.path.join(FASHION_MNIST, name)) as handle:
                header = handle.read(4 + 4 * ndim)
                dims = struct.unpack(f">{ndim}I", header[4:])
                size = int(np.prod(dims[1:])) if ndim > 1 else 1
                body = handle.read(count * size)
            with gzip.open(os.path.join(folder, name), "wb") as handle:
                handle.write(header[:4] + struct.pack(f">{ndim}I", count, *dims[1:]) + body)
    return folder


def captioned_data(work_dir, train, test):
    from pipeline import preprocess
    from pipeline.embedders import MiniLMEmbedder
    from pipeline.sources.captions import captioned_idx_source

    output = os.path.join(work_dir, f"captioned_fashion_mnist_{train}_{test}")
    if not os.path.exists(os.path.join(output, "metadata.json")):
        start = time.perf_counter()
        source = captioned_idx_source("fashion_mnist", subset_idx(work_dir, train, test), MiniLMEmbedder())
        preprocess.run(source, output, shards={"train": 4})
        print(f"preprocessed {train}+{test} captioned images in {time.perf_counter() - start:.0f} s", flush=True)
    return output


def step_rate(config, stage, batch_size, steps, jit):
    """images/s of full training steps of one stage on fixed random batches."""
    import dataclasses

    config = dataclasses.replace(config, stage=stage, seed=0)
    model = training.build_model(StackGANStageI.model_class_for(config), config, jit=jit)
    size = model.image_size(config)
    embeddings = tf.random.normal([batch_size, config.embedding_dim])
    batch = {"images": tf.random.uniform([batch_size, size, size, config.channels], -1.0, 1.0),
             "embeddings": embeddings, "wrong_embeddings": tf.roll(embeddings, 1, 0)}
    timer = StepTimer()
    model.fit(tf.data.Dataset.from_tensors(batch).repeat(), epochs=2, steps_per_epoch=steps,
              callbacks=[timer], verbose=0)
    return batch_size * steps / timer.times[-1]


def conditioning_accuracy(model, data, reader, count):
    """Fraction of images drawn from test captions that `reader` assigns to the caption's class."""
    records, _ = read_captioned(data, "test", limit=count)
    embeddings, labels = [], []
    for _, _, label, _, vectors in records:
        embeddings.append(vectors[0].numpy())
        labels.append(int(label))
    stages = model.seeded_stage_images(tf.constant(np.stack(embeddings)), tf.constant(0, tf.int64))
    accuracies = {}
    for name, images in stages.items():
        small = tf.image.resize(tf.cast(images, tf.float32), [28, 28], antialias=True)
        predicted = reader.predict(tf.clip_by_value(small, 0.0, 255.0), verbose=0).argmax(axis=1)
        accuracies[name] = float(np.mean(predicted == np.array(labels)))
    return accuracies


def train_stages(data, steps, stage2_steps, batch_size, jit, work_dir):
    """{stage: model} after `steps` Stage-I and `stage2_steps` Stage-II updates through the
    training driver (runs in WORK_DIR/stage1 and stage2; Stage-II starts from Stage-I's)."""
    settings = {f.name: getattr(RECIPE, f.name) for f in RECIPE.flag_fields()}
    models = {}
    for stage, count in ((1, steps), (2, stage2_steps)):
        if not count:
            continue
        start = time.perf_counter()
        run = training.train("stackgan", data, run_dir=os.path.join(work_dir, f"stage{stage}"), fresh=True,
                             epochs=1, steps_per_epoch=count, batch_size=batch_size, jit=jit, verbose=0,
                             monitor_images=4, log_every=0,
                             **{**settings, "stage": stage, "stage1_model": os.path.join(work_dir, "stage1")})
        print(f"stage {stage}: {count} steps in {time.perf_counter() - start:.0f} s", flush=True)
        models[stage] = run.model
    return models


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--timed-steps", type=int, default=5, help="steps timed per stage")
    parser.add_argument("--train", type=int, default=10_000, help="training images captioned")
    parser.add_argument("--test", type=int, default=1_000, help="test captions drawn and classified")
    parser.add_argument("--steps", type=int, default=200, help="Stage-I training steps")
    parser.add_argument("--stage2-steps", type=int, default=50, help="Stage-II training steps")
    parser.add_argument("--jit", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--work-dir", default="/tmp/gan_tf_bench")
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args(argv)
    devices.enable_memory_growth()
    device = devices.describe_device()
    results = {"device": device, "batch_size": args.batch_size, "jit": args.jit}
    print(f"device: {device}; batch {args.batch_size}; jit {args.jit}; "
          f"Stage-I {RECIPE.stage1_size} px, Stage-II {RECIPE.stage2_size} px, 384-d MiniLM embeddings")
    for stage in (1, 2):
        rate = step_rate(RECIPE, stage, args.batch_size, args.timed_steps, args.jit)
        results[f"stage{stage}_images_per_s"] = round(rate, 2)
        print(f"stage {stage} step: {rate:.2f} images/s", flush=True)
    os.makedirs(args.work_dir, exist_ok=True)
    data = captioned_data(args.work_dir, args.train, args.test)
    reader, reader_accuracy = train_domain_classifier(data, epochs=1, batch_size=128, seed=1, verbose=0)
    models = train_stages(data, args.steps, args.stage2_steps, args.batch_size, args.jit, args.work_dir)
    final = models[max(models)]
    accuracy = conditioning_accuracy(final, data, reader, args.test)
    results.update({"classifier_test_accuracy": round(reader_accuracy, 3), "steps": args.steps,
                    "stage2_steps": args.stage2_steps, "train_images": args.train,
                    **{f"{k}_conditioning_accuracy": round(v, 3) for k, v in accuracy.items()}})
    print("\n| what | value |\n| --- | --- |")
    for key, value in results.items():
        print(f"| {key} | {value} |")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(results, handle, indent=2)


if __name__ == "__main__":
    main()
