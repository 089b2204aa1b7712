"""Shared check of `generator_ema`: through a real `fit`, the averaged generator's weights are
the moving-average formula applied update by update to the trained generator's."""

import keras
import numpy as np


def fit_and_check_average(model, dataset, decay):
    """Fits `model` (compiled, `generator_ema` = `decay`) on `dataset` for one epoch, recording
    the generator after every step, and checks the averaged copy against the formula."""
    seen = [[w.numpy() for w in model.generator.weights]]
    record = keras.callbacks.LambdaCallback(
        on_train_batch_end=lambda *_, **__: seen.append([w.numpy() for w in model.generator.weights]))
    model.fit(dataset, epochs=1, verbose=0, callbacks=[record])
    assert len(seen) > 2
    expected = seen[0]
    for step, weights in enumerate(seen[1:], start=1):
        step_decay = min(decay, (1 + step) / (10 + step))
        expected = [step_decay * a + (1 - step_decay) * w for a, w in zip(expected, weights)]
    for want, got in zip(expected, model.averaged_generator.weights):
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-4, atol=1e-6)
    assert any(not np.allclose(got.numpy(), trained.numpy())
               for got, trained in zip(model.averaged_generator.weights, model.generator.weights))
