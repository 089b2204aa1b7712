"""The two-player base every adversarial family extends: latent GANs, StackGAN, CycleGAN and
pix2pix.

It owns what they share: one optimizer for the generators' variables and one for the
discriminators' (built at `compile`, so a restored checkpoint brings back their slots), their
serialization in `.keras` files, loss trackers named in `loss_names`, and, when the config has
`generator_ema` (a decay, 0: off), a moving average of each generator named in
`averaged_names` (`gan_tf.training.averaging`, kept as `averaged_<name>`) that draws every image outside
training. A family gives its
networks (`generator_variables`, `discriminator_variables`) and a `train_step` that ends with
`return self.report(name=loss, ...)`, which updates every named tracker with the loss's global
value (all replicas' shares) and returns the logs `fit` shows.
"""

import keras

from gan_tf.models.base import GenerativeModel
from gan_tf.training import averaging
from gan_tf.training.distribute import global_value, loss_scaled, step_logs
from gan_tf.training.optimizers import FusedAdam


class TwoPlayerModel(GenerativeModel):
    """Generator and discriminator optimizers plus named loss trackers."""

    loss_names = ()
    averaged_names = ("generator",)  # the attributes holding the generators that draw images

    def __init__(self, config=None, **kwargs):
        super().__init__(config, **kwargs)
        self.loss_trackers = [keras.metrics.Mean(name=name) for name in self.loss_names]
        decay = getattr(self.config, "generator_ema", 0.0)
        if not 0.0 <= decay < 1.0:
            raise ValueError(f"generator_ema is a decay in [0, 1) (0: off), got {decay}")
        self.averaging = bool(decay)
        for name in self.averaged_names if self.averaging else ():
            setattr(self, f"averaged_{name}", averaging.averaged_copy(getattr(self, name)))

    def generator_variables(self):
        raise NotImplementedError

    def discriminator_variables(self):
        raise NotImplementedError

    def drawing(self, name="generator"):
        """The network that draws images outside training for the generator attribute `name`:
        its moving average when `generator_ema` is on, else the generator itself."""
        return getattr(self, f"averaged_{name}" if self.averaging else name)

    @property
    def drawing_generator(self):
        return self.drawing()

    def generator_for(self, training, name="generator"):
        """The trained generator `name` in training, its drawing network otherwise."""
        return getattr(self, name) if training else self.drawing(name)

    def update_generator_average(self):
        """After a generator update: moves each average toward its trained weights (a no-op
        with `generator_ema` off)."""
        if self.averaging:
            decay = averaging.ramped_decay(self.config.generator_ema, self.g_optimizer.iterations)
            for name in self.averaged_names:
                averaging.update_average(getattr(self, f"averaged_{name}"), getattr(self, name), decay)

    def default_optimizers(self):
        """(generator optimizer, discriminator optimizer) when compile() gets none: one Adam per
        player from the config's `learning_rate`, `beta_1` and `beta_2` (0.999 when absent)."""
        config = self.config
        return tuple(
            FusedAdam(config.learning_rate, beta_1=config.beta_1,
                      beta_2=getattr(config, "beta_2", 0.999), name=name)
            for name in ("g_adam", "d_adam")
        )

    def compile(self, g_optimizer=None, d_optimizer=None, **kwargs):
        """Sets each player's optimizer; other kwargs (jit_compile, ...) go to Keras.

        No optimizer is given to Keras itself, so it neither builds nor logs a default one.
        Under a `mixed_float16` policy each optimizer is wrapped in a LossScaleOptimizer.
        """
        super().compile(optimizer=None, **kwargs)
        defaults = self.default_optimizers() if g_optimizer is None or d_optimizer is None else (None, None)
        self.g_optimizer = loss_scaled(g_optimizer or defaults[0])
        self.d_optimizer = loss_scaled(d_optimizer or defaults[1])
        self.g_optimizer.build(self.generator_variables())
        self.d_optimizer.build(self.discriminator_variables())

    def get_compile_config(self):
        """Optimizer configs, so a saved `.keras` model reloads compiled with its slot state."""
        if not self.compiled:
            return None
        return {"g_optimizer": keras.optimizers.serialize(self.g_optimizer),
                "d_optimizer": keras.optimizers.serialize(self.d_optimizer)}

    def compile_from_config(self, config):
        self.compile(g_optimizer=keras.optimizers.deserialize(config["g_optimizer"]),
                     d_optimizer=keras.optimizers.deserialize(config["d_optimizer"]))

    @property
    def metrics(self):
        return list(self.loss_trackers)

    def report(self, **losses):
        """Updates each named tracker with its loss's global value and returns every tracker's
        epoch mean for `fit`; every name in `loss_names` must be given."""
        missing = set(self.loss_names) - set(losses)
        if missing:
            raise ValueError(f"{type(self).__name__}.train_step did not report {', '.join(sorted(missing))}")
        for tracker in self.loss_trackers:
            tracker.update_state(global_value(losses[tracker.name]))
        return step_logs({tracker.name: tracker.result() for tracker in self.loss_trackers})
