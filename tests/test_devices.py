"""`devices.keep_freed_host_memory`: freed large blocks are reused without page faults."""

import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc")
PAGES = (48 << 20) // 4096  # of the block below

# Allocates, touches and frees a 48 MB block ten times (above glibc's largest mmap threshold,
# 32 MB), then prints the minor page faults that took, before and after the call.
PROBE = """
import ctypes, resource, sys
from gan_tf.training import devices
libc = ctypes.CDLL("libc.so.6")
libc.malloc.restype = ctypes.c_void_p
libc.malloc.argtypes = [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]
size = 48 << 20

def faults():
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(10):
        block = libc.malloc(size)
        ctypes.memset(block, 1, size)
        libc.free(block)
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before

default = faults()
kept = devices.keep_freed_host_memory()
print(default, kept, faults())
"""


def probe(**environment):
    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                            env={**os.environ, **environment}, check=True)
    default, kept, after = result.stdout.split()
    return int(default), kept == "True", int(after)


def test_freed_blocks_are_reused_without_page_faults():
    default, kept, after = probe()
    assert kept
    assert default >= 9 * PAGES  # every round faults the whole block in again
    assert after <= 2 * PAGES  # only the first round does


def test_release_keeps_the_defaults():
    default, kept, after = probe(GAN_TF_HOST_MEMORY="release")
    assert not kept
    assert after >= 9 * PAGES
