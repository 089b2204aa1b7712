"""`python -m bench`: the whole benchmark suite (see `bench.run_all`)."""

from bench.run_all import main

main()
