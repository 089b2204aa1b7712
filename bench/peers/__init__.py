"""Peer implementations the benchmarks compare with, written as their sources write them."""
