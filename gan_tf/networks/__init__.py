"""Network builders: functions returning functional `keras.Model`s, no training logic."""
