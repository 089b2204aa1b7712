"""SIGTERM and Ctrl-C end a command with one line, never a traceback.

SIGTERM (a scheduler, `kill`, a container stopping) ends Python silently by default, and Ctrl-C
prints a KeyboardInterrupt traceback from deep inside Keras. `install` turns SIGTERM into a
`Stopped` exception like Ctrl-C's; training says which epoch its kept checkpoint holds and how
to resume (`TrainingStopped`), and `gan-tf` prints that line and exits with 128 + the signal.
"""

import signal


class Stopped(KeyboardInterrupt):
    """The process was asked to stop by `signum`."""

    def __init__(self, signum=signal.SIGINT, message=None):
        self.signum = signum
        super().__init__(message or f"stopped by {signal.Signals(signum).name}")


def _raise_stopped(signum, _frame):
    raise Stopped(signum)


def install():
    """SIGTERM raises `Stopped` in the main thread (SIGINT already raises KeyboardInterrupt)."""
    signal.signal(signal.SIGTERM, _raise_stopped)


def signal_of(interrupt):
    """The signal behind a KeyboardInterrupt: SIGINT unless it is a `Stopped`."""
    return getattr(interrupt, "signum", signal.SIGINT)


def training_stopped(interrupt, checkpoint, command_hint="run the same command again to resume"):
    """A `Stopped` for a run stopped mid-fit, saying what its checkpoint holds."""
    signum = signal_of(interrupt)
    name = signal.Signals(signum).name
    if checkpoint is None:
        return Stopped(signum, f"stopped by {name}; this run records nothing, so nothing was kept")
    if not checkpoint.kept_epoch:
        return Stopped(signum, f"stopped by {name} before the first epoch ended: no checkpoint "
                               "was kept (the next run starts over)")
    return Stopped(signum, f"stopped by {name}; {checkpoint.kept()}: {command_hint}")
