"""What every benchmark script shares: its command line, one clock, Markdown tables and the
JSON of its results, so that the scripts differ only in what they measure.

Data locations differ between machines, so none is written in the code. Each flag that names
a data set's folder defaults to an environment variable, and a run that needs the folder with
neither given stops at once with one line naming both:

    GAN_TF_FASHION_MNIST  Fashion-MNIST's IDX files: --fashion-mnist (the Beam scripts' --source)
    GAN_TF_MNIST          MNIST's IDX files: --mnist (bench.vae_elbo)
    GAN_TF_DATASETS       a folder holding horse2zebra/ and facades/: --data
                          (bench.image_to_image_peers), bench.tile_tones' default images

Nothing here imports TensorFlow before `machine()` names the device, so the Beam scripts and
the parents of child-process benchmarks stay quick to start.
"""

import argparse
import dataclasses
import os
import tempfile
import time

from gan_tf import registry
from gan_tf.files import writes

WORK_DIR = os.path.join(tempfile.gettempdir(), "gan_tf_bench")


def parser(doc, json=None):
    """An argument parser described by the first paragraph of the script's docstring; with
    `json` (what the file holds, e.g. "the rows"), a `--json PATH` flag to also write it."""
    result = argparse.ArgumentParser(description=" ".join(doc.split("\n\n")[0].split()))
    if json:
        result.add_argument("--json", metavar="PATH", help=f"also write {json} here")
    return result


def comma_list(item=str, choices=None, what="values"):
    """An argparse `type`: "a,b,c" as a list of `item`s (empty parts dropped), refusing any
    not in `choices` in one line that names them and the choices."""
    def comma_separated(text):
        values = [item(part) for part in text.split(",") if part]
        unknown = sorted(set(values) - set(choices)) if choices is not None else []
        if unknown:
            raise argparse.ArgumentTypeError(f"unknown {what} {', '.join(unknown)}; choose from {', '.join(choices)}")
        return values
    return comma_separated


def add_families(parser, help="families to measure"):
    """`--families`, every family by default; a list after parsing."""
    parser.add_argument("--families", type=comma_list(choices=registry.names(with_aliases=True), what="families"),
                        default=",".join(registry.FAMILIES), help=help)


def add_work_dir(parser):
    parser.add_argument("--work-dir", default=WORK_DIR, help="preprocessed data, kept for the next run")


@dataclasses.dataclass(frozen=True)
class DataFolder:
    """A data set's folder on the command line: `flag`, defaulting to the environment
    variable `variable` (module docstring)."""

    flag: str
    variable: str
    what: str

    def add_flag(self, parser, flag=None, help=None):
        parser.add_argument(flag or self.flag, metavar="DIR",
                            help=f"{help or self.what} (default: ${self.variable})")

    def path(self, given, flag=None):
        """`given` (the flag's value), else the variable's; neither stops the run in one line."""
        found = given or os.environ.get(self.variable)
        if not found:
            raise SystemExit(f"pass {flag or self.flag} or set {self.variable}: {self.what}")
        return found


FASHION_MNIST = DataFolder("--fashion-mnist", "GAN_TF_FASHION_MNIST", "folder of Fashion-MNIST's IDX files")
MNIST = DataFolder("--mnist", "GAN_TF_MNIST", "folder of MNIST's IDX files")
IDX_FOLDERS = {"mnist": MNIST, "fashion_mnist": FASHION_MNIST}
DATASETS = DataFolder("--data", "GAN_TF_DATASETS", "folder holding horse2zebra/ and facades/")


class Timer:
    """The one clock of the benchmarks: each `with timer:` block, or `start()` ... `stop()`
    pair (a Keras callback's), adds a lap of `clock` seconds (default: wall time)."""

    def __init__(self, clock=time.perf_counter):
        self.clock, self.laps = clock, []

    def start(self):
        self.started = self.clock()
        return self

    def elapsed(self):
        """Seconds since the last `start`, the lap still running."""
        return self.clock() - self.started

    def stop(self):
        self.laps.append(self.elapsed())
        return self.laps[-1]

    __enter__ = start

    def __exit__(self, *error):
        self.stop()

    @property
    def seconds(self):
        """All laps together."""
        return sum(self.laps)


def number(value, digits=1):
    """A table cell: `value` with thousands separators, "-" where nothing was measured."""
    return "-" if value is None else f"{value:,.{digits}f}"


def row(cells):
    """One line of a Markdown table."""
    return "| " + " | ".join(map(str, cells)) + " |"


def table(columns, rows=()):
    """A Markdown table's lines: the header, its rule, one line per row of cells. Cells are
    not padded: docs/benchmarks.md takes its tables from these lines as they are."""
    return [row(columns), "|" + " --- |" * len(columns)] + [row(cells) for cells in rows]


def print_table(columns, rows=()):
    """Prints `table`; rows measured later follow with `print_row`, one as each is done."""
    print("\n".join(table(columns, rows)), flush=True)


def print_row(cells):
    print(row(cells), flush=True)


def machine():
    """What a figure depends on besides the code: the device (as `gan_tf.training.devices` names it)
    and the load average (other jobs on a shared machine)."""
    from gan_tf.training import devices

    return {"device": devices.describe_device(), "load_average": [round(x, 2) for x in os.getloadavg()]}


def write_json(path, results, kept=""):
    """Writes `results` (a dict, or a list of rows, written as {"rows": ...}) with `machine()`
    beside them (where the results name the device or load average themselves, taken at the
    start of the run, theirs stay), through `gan_tf.files.writes`: never half a file; `kept` says
    what a failed write leaves."""
    results = results if isinstance(results, dict) else {"rows": results}
    writes.write_json(path, {**machine(), **results}, kept, default=float)
