"""Range-checked numbers for the command line: argparse `type=` functions.

A count is sent to an export as int32 and a seed as int64; unchecked, 4294967300 wraps to 4
and 3000000000 to a negative number. Every number is refused where it is parsed, in argparse's
one line, with the range it must lie in.
"""

import argparse

INT32_MAX = 2**31 - 1
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def integer(low=None, high=None):
    """An argparse type: an int in [low, high] (None: unbounded on that side)."""

    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if (low is not None and value < low) or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f"{value} is out of range: {_range(low, high)}")
        return value

    return parse


def positive_float(text):
    """An argparse type: a finite float above 0 (seconds, rates)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"{text} is out of range: a finite number above 0")
    return value


def _range(low, high):
    if high is None:
        return f"at least {low}"
    if low is None:
        return f"at most {high}"
    return f"from {low} to {high}"


POSITIVE = integer(1, INT32_MAX)
NON_NEGATIVE = integer(0, INT32_MAX)
SEED = integer(INT64_MIN, INT64_MAX)
