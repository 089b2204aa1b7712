"""The bases every family's model derives from, each a `keras.Model` trained with `model.fit`.

`base.GenerativeModel` (config, seeded randomness, data, sampling and serving hooks),
`two_player.TwoPlayerModel` (a generator and a discriminator, their optimizers and step),
`adversarial.AdversarialModel` (the GANs that draw from a latent prior: the one adversarial
step and its options) and `image_to_image.ImageTranslationModel` (CycleGAN and pix2pix). The
families themselves live in `gan_tf.families`; `gan_tf.registry.import_models()` imports every
family's model class, registering them with Keras so that `.keras` files of any family load.
"""
