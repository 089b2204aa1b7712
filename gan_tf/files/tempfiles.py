"""Temporary names that say which process writes them.

Every half-written file or folder (a checkpoint being staged, a `.keras` being saved, an
export, a preprocessing run) gets a name `<prefix><pid>-<random>` and is renamed into place
when complete. A later run of the same command removes the leftovers of killed runs: names
whose process is gone, or, for names without a process id (older versions), untouched for
`LEGACY_STALE_SECONDS`. A live process's folder is never removed.
"""

import os
import shutil
import time
import uuid

PREFIX = ".tmp-"
LEGACY_STALE_SECONDS = 3600


def temp_name(prefix=PREFIX, suffix=""):
    """A fresh name carrying this process's id."""
    return f"{prefix}{os.getpid()}-{uuid.uuid4().hex}{suffix}"


def _writer(name, prefix):
    """The process id in `name`, or None for a name without one."""
    head, dash, _ = name[len(prefix):].partition("-")
    return int(head) if dash and head.isdigit() else None


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def is_stale(path, prefix=PREFIX):
    pid = _writer(os.path.basename(path), prefix)
    if pid is None:
        return time.time() - os.lstat(path).st_mtime > LEGACY_STALE_SECONDS
    return pid != os.getpid() and not _alive(pid)


def clean_stale(folder, prefix=PREFIX):
    """Removes the stale temporary entries named `<prefix>...` in local `folder`; returns them."""
    if "://" in folder or not os.path.isdir(folder):
        return []
    removed = []
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        if name.startswith(prefix) and is_stale(path, prefix):
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path, ignore_errors=True)
            else:
                os.remove(path)
            removed.append(path)
    return removed
