"""Errors raised for unusable source data; their message always names the file."""


class CorruptSourceError(ValueError):
    """A source file is truncated, malformed or inconsistent with its partner file."""

    def __init__(self, path, reason):
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason
