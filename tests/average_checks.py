"""Shared check of `generator_ema`: through a real `fit`, the averaged generator's weights are
the moving-average formula applied update by update to the trained generator's."""

import keras
import numpy as np


def fit_and_check_average(model, dataset, decay, names=("generator",)):
    """Fits `model` (compiled, `generator_ema` = `decay`) on `dataset` for one epoch, recording
    each generator attribute in `names` after every step, and checks each averaged copy
    (`averaged_<name>`) against the formula."""
    weights_of = lambda: {name: [w.numpy() for w in getattr(model, name).weights] for name in names}
    seen = [weights_of()]
    record = keras.callbacks.LambdaCallback(on_train_batch_end=lambda *_, **__: seen.append(weights_of()))
    model.fit(dataset, epochs=1, verbose=0, callbacks=[record])
    assert len(seen) > 2
    for name in names:
        expected = seen[0][name]
        for step, weights in enumerate(seen[1:], start=1):
            step_decay = min(decay, (1 + step) / (10 + step))
            expected = [step_decay * a + (1 - step_decay) * w for a, w in zip(expected, weights[name])]
        averaged, trained = getattr(model, f"averaged_{name}"), getattr(model, name)
        for want, got in zip(expected, averaged.weights):
            np.testing.assert_allclose(got.numpy(), want, rtol=1e-4, atol=1e-6)
        assert any(not np.allclose(got.numpy(), now.numpy()) for got, now in zip(averaged.weights, trained.weights))
