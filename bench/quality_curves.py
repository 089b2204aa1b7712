"""One set of `bench.quality_run` plots from several of its output folders: runs made by
separate invocations (one per CPU core, side by side) drawn on the same axes.

    python -m bench.quality_curves --out docs/curves runs/cg128n runs/cg_c5 runs/cg_source

Each folder's quality.json gives its runs, named as there; the baselines, floor and scale are
the first folder's (the folders must score the same family on the same data).
"""

import json
import os

from bench import harness
from bench.quality_run import write_plots


def combined(folders):
    """The first folder's results with the runs of every folder."""
    results = []
    for folder in folders:
        with open(os.path.join(folder, "quality.json")) as handle:
            results.append(json.load(handle))
    families = {result["family"] for result in results}
    if len(families) > 1:
        raise SystemExit(f"the folders score different families ({', '.join(sorted(families))})")
    return {**results[0], "runs": [run for result in results for run in result["runs"]]}


def main(argv=None):
    parser = harness.parser(__doc__)
    parser.add_argument("folders", nargs="+", help="bench.quality_run --out folders")
    parser.add_argument("--out", required=True, help="folder for the plots")
    args = parser.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    written = write_plots(combined(args.folders), args.out)
    print(f"wrote {', '.join(os.path.join(args.out, name) for name in written)}")


if __name__ == "__main__":
    main()
