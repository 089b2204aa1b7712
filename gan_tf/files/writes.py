"""Writes that fail cleanly: a full disk, a quota, a read-only file system or a folder we may
not write to ends in one line naming the path and what was kept, never a crash or a partial file
at a final name.

`check_writable` is called on output folders before any work starts (a one-byte probe file is
written and removed: `os.access` says yes to root on a read-only mount). `write_bytes` (and
`write_json`) write a file through a temporary sibling renamed into place. `WriteError` is the
one-line error they raise.
"""

import errno
import json
import os

from gan_tf.files.tempfiles import temp_name

HINTS = {
    errno.ENOSPC: "free some space",
    errno.EDQUOT: "free some space (quota)",
    errno.EROFS: "choose a folder on a writable file system",
    errno.EACCES: "choose a folder you may write to",
    errno.EPERM: "choose a folder you may write to",
}


class WriteError(OSError):
    """An OSError whose text is the whole one-line story: path, cause, what was kept, hint."""

    def __init__(self, error, path, kept=""):
        cause = error.strerror or str(error)
        hint = HINTS.get(error.errno, "check that its folder exists and is a folder")
        text = f"{path}: {cause}" + (f"; {kept}" if kept else "") + f"; {hint}"
        super().__init__(error.errno, text, path)
        self.text = text

    def __str__(self):
        return self.text


def check_writable(folder, what="output folder"):
    """Creates `folder` if needed and proves a file can be made in it; raises WriteError
    (or NotADirectoryError for a file in the way) before any work is done."""
    if "://" in folder:
        return
    if os.path.exists(folder) and not os.path.isdir(folder):
        raise NotADirectoryError(f"{folder}: the {what} is a file, not a folder; "
                                 "name a folder (it is created if missing)")
    try:
        os.makedirs(folder, exist_ok=True)
        probe = os.path.join(folder, temp_name())
        descriptor = os.open(probe, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        try:
            os.write(descriptor, b"\0")  # a completely full disk refuses even one byte
        finally:
            os.close(descriptor)
            remove_quietly(probe)
    except OSError as error:
        raise WriteError(error, folder, f"nothing written: the {what} is not writable") from None


def remove_quietly(path):
    try:
        os.remove(path)
    except OSError:
        pass


def write_bytes(path, data, kept=""):
    """Writes `data` to local `path` through a temporary sibling renamed into place; on
    failure the temporary file is removed and a WriteError names `path` and `kept` (default:
    that the file there, if any, is as it was)."""
    folder = os.path.dirname(os.path.abspath(path))
    staging = os.path.join(folder, temp_name(suffix=".part"))
    try:
        descriptor = os.open(staging, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(descriptor, view):]
        finally:
            os.close(descriptor)
        os.replace(staging, path)
    except OSError as error:
        remove_quietly(staging)
        before = "the file already there is as it was" if os.path.exists(path) else "no file written there"
        raise WriteError(error, path, kept or before) from None


def write_json(path, value, kept="", default=None):
    """Writes `value` as indented JSON to local `path` like `write_bytes` (its folder made
    first), so a reader, a kill or a full disk never leaves half a file there."""
    folder = os.path.dirname(os.path.abspath(path))
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as error:
        raise WriteError(error, folder, kept or "nothing written") from None
    write_bytes(path, json.dumps(value, indent=2, default=default).encode(), kept)


WRITE_ONLY = (errno.ENOSPC, errno.EDQUOT, errno.EROFS)  # never the fault of a read


def disk_error(error, path):
    """The errno of a full, read-only or forbidden disk behind `error` met writing `path`, or
    None: an OSError's own errno (a forbidden file only when it is `path` or inside it), or
    for errors that wrap one in text (TensorFlow's, Beam's) the words of a write-only cause."""
    if isinstance(error, OSError) and error.errno in HINTS:
        named = os.fsdecode(error.filename) if error.filename else None
        if error.errno in WRITE_ONLY or named is None or named.startswith(os.fsdecode(path)):
            return error.errno
        return None
    text = str(error)
    return next((code for code in WRITE_ONLY if os.strerror(code) in text), None)


def as_write_error(error, path, kept):
    """`error` as a WriteError naming `path` and `kept` when a disk caused it; else None."""
    code = disk_error(error, path)
    return WriteError(OSError(code, os.strerror(code)), path, kept) if code else None


def check_space(folder, needed, kept):
    """Refuses, before writing, `needed` bytes into local `folder` when the disk has less free
    (some writers, h5py among them, crash rather than fail on a full disk)."""
    import shutil

    if "://" in folder:
        return
    free = shutil.disk_usage(folder).free
    if free < needed:
        raise WriteError(OSError(errno.ENOSPC, f"{os.strerror(errno.ENOSPC)} ({free:,} bytes free, "
                                 f"{needed:,} needed)"), folder, kept)
