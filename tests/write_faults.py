"""Injected write failures for tests that cannot mount a small or read-only file system.

`fail_writes_under(monkeypatch, folder, code)` makes every file created under `folder` through
`os.open` fail as a full disk, a quota, a read-only mount or a forbidden folder would:
ENOSPC and EDQUOT create the file (so a left-behind partial file would show) and then fail on
the first write, the way a full disk does; EROFS and EACCES refuse the creation itself.
"""

import errno
import os

CODES = (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES)


def fail_writes_under(monkeypatch, folder, code, spare=0):
    """Patches `os.open` and `os.write` for files created under `folder`, after the first
    `spare` files (a disk that fills during the run); returns the paths created or tried."""
    real_open, real_write = os.open, os.write
    folder = os.path.abspath(folder)
    failing, attempted = set(), []

    def fake_open(path, flags, *args, **kwargs):
        inside = os.path.abspath(os.fsdecode(path)).startswith(folder + os.sep)
        if not (inside and flags & os.O_CREAT):
            return real_open(path, flags, *args, **kwargs)
        attempted.append(os.fsdecode(path))
        if len(attempted) <= spare:
            return real_open(path, flags, *args, **kwargs)
        if code in (errno.EROFS, errno.EACCES):
            raise OSError(code, os.strerror(code), os.fsdecode(path))
        descriptor = real_open(path, flags, *args, **kwargs)
        failing.add(descriptor)
        return descriptor

    def fake_write(descriptor, data):
        if descriptor in failing:
            raise OSError(code, os.strerror(code))
        return real_write(descriptor, data)

    def fake_close(descriptor, real_close=os.close):
        failing.discard(descriptor)
        return real_close(descriptor)

    monkeypatch.setattr(os, "open", fake_open)
    monkeypatch.setattr(os, "write", fake_write)
    monkeypatch.setattr(os, "close", fake_close)
    return attempted


def files_under(folder):
    """Every file left under `folder` (temporary ones included)."""
    return sorted(os.path.join(d, n) for d, _, names in os.walk(folder) for n in names)
