"""One process at a time per output folder (a training run, a preprocessing output).

Two trainings on one run folder would both checkpoint into it and the later `model.keras`
would silently replace the earlier one. The lock is `fcntl.flock` on a lock file holding the
writer's process id: the kernel drops it when the process dies, however it dies, so a lock
left by a killed run is simply taken over, and a busy folder is refused naming the process.
"""

import contextlib
import fcntl
import os


class FolderBusyError(RuntimeError):
    """Another live process writes to the folder."""


@contextlib.contextmanager
def held(lock_path, what):
    """Holds the lock at `lock_path` for the `with` block; refuses at once, naming the holder's
    process id, when another process holds it. `what` names the folder in the message."""
    os.makedirs(os.path.dirname(os.path.abspath(lock_path)), exist_ok=True)
    handle = open(lock_path, "a+")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise FolderBusyError(f"{what} is in use by process {holder} (lock {lock_path}); "
                                  "wait for it to finish, stop it, or choose another folder") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        yield
    finally:
        handle.close()  # closing the file releases the lock
