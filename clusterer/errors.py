"""The project's exceptions.

Every error a user can cause derives from :class:`ClustererError`. ``cli.py`` is the
single boundary that turns them into ``Error: …`` on stderr and exit code 1.
"""

from __future__ import annotations


class ClustererError(Exception):
    """Base class of every error the user can cause and fix."""


class InputError(ClustererError):
    """Bad input: names the place (``file:line``), what is wrong and the fix.

    Args:
        location: Where the problem is, e.g. ``"feed.jsonl:17"`` or ``"feed.jsonl"``.
        problem: What is wrong, e.g. ``'missing field "title"'``.
        hint: How to fix it, e.g. ``"pass --title-field to choose another field"``.
    """

    def __init__(self, location: str, problem: str, hint: str = "") -> None:
        self.location = location
        self.problem = problem
        self.hint = hint
        message = f"{location}: {problem}" if location else problem
        if hint:
            message = f"{message}; {hint}"
        super().__init__(message)


class OutputError(ClustererError):
    """An output cannot be written (bad path, output equal to an input, …)."""


class OutOfMemory(ClustererError):
    """The process could not get memory: says what was being read and how to go on.

    Args:
        reading: The file being read, or ``""``.
    """

    def __init__(self, reading: str = "") -> None:
        where = f"{reading}: " if reading else ""
        super().__init__(f"{where}out of memory while reading and processing the input; pass "
                         "--skip-bad with a smaller --max-record-bytes to skip records this "
                         "large, or run on a machine with more memory")


class UsageError(ClustererError):
    """An option value out of its allowed range (the message names it and the range)."""


class StateError(ClustererError):
    """A state store (``--state``) that cannot be used: not a state, written by another
    schema version, or in use by another run."""


class ClusterError(ClustererError):
    """The Dask cluster failed under a run (a worker lost or killed, the scheduler gone):
    nothing was written; the message says what to check before running again."""
