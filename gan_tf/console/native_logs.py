"""Hides TensorFlow's C++ start-up lines (absl's "before InitializeLog" notice, oneDNN and CPU
feature notices, cuInit errors on machines without a GPU) from the command line's output.

Some are printed while `import tensorflow` runs, before TF_CPP_MIN_LOG_LEVEL is read, so the
import runs with the process's stderr sent to a temporary file; lines that are not native log
lines (a Python warning, say) are passed on afterwards. Later native messages are kept out by
TF_CPP_MIN_LOG_LEVEL=3 (errors still reach Python as exceptions). Apache Beam's start-up
warning about the BigQuery client is dropped the same way (`import_beam_quietly`).
"""

import contextlib
import logging
import os
import re
import sys
import tempfile

NATIVE_LOG_LINE = re.compile(
    rb"^([IWEF]\d{4} \d\d:\d\d:\d+\.\d+\s+\d+ \S+:\d+\]|WARNING: All log messages before absl"
    rb"|To enable the following instructions: .* rebuild TensorFlow)")


@contextlib.contextmanager
def _stderr_filtered():
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as capture:
        os.dup2(capture.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            for line in capture:
                if not NATIVE_LOG_LINE.match(line):
                    sys.stderr.buffer.write(line)
            sys.stderr.flush()


def import_tensorflow_quietly():
    """Imports TensorFlow with its native start-up lines hidden. Only TF_CPP_MIN_LOG_LEVEL=0
    keeps them: 1 and 2, which users set to quiet TensorFlow, would still let oneDNN notices and
    Grappler's error-level lines about runs that work through."""
    if os.environ.get("TF_CPP_MIN_LOG_LEVEL") == "0":
        import tensorflow  # noqa: F401
        return
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    with _stderr_filtered():
        import tensorflow  # noqa: F401


def import_beam_quietly():
    """Imports Apache Beam without the warning it logs at import when the optional BigQuery
    client (apitools) is missing: gan_tf neither reads nor writes BigQuery."""
    def not_apitools(record):
        return not record.getMessage().startswith("apitools not found")

    root = logging.getLogger()
    root.addFilter(not_apitools)
    try:
        import apache_beam  # noqa: F401
    finally:
        root.removeFilter(not_apitools)
