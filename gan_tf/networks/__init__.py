"""Network builders: functions returning functional `keras.Model`s, no training logic.

The last layer of every network computes in float32 (`dtype="float32"`): under a mixed-precision
policy (`gan-tf train --mixed-precision`) the hidden layers run in float16/bfloat16 while images,
logits and posterior parameters, and so the losses, stay float32."""
