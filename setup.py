"""Shim for tools that need a setup.py, e.g. Beam's `--setup_file ./setup.py`, which builds and
installs gan_tf on every Dataflow/Flink/Spark worker. The metadata lives in setup.cfg."""

from setuptools import setup

setup()
