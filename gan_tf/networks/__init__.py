"""Network builders that several families share: functions returning functional `keras.Model`s,
no training logic (`small_dcgan`: the `fast` presets of FashionGAN and the conditional GAN;
`image_to_image`: CycleGAN's and pix2pix's). A family's own networks are in its folder
(`gan_tf/families/<name>/networks.py`) and follow the same rule.

The last layer of every network computes in float32 (`dtype="float32"`): under a mixed-precision
policy (`gan-tf train --mixed-precision`) the hidden layers run in float16/bfloat16 while images,
logits and posterior parameters, and so the losses, stay float32."""
