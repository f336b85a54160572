"""The one error boundary: user errors become one line on stderr and an exit code."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Iterator
from types import FrameType

import typer

from clusterer.cli.printing import stderr
from clusterer.errors import ClustererError, OutOfMemory
from clusterer.output import (
    CAUGHT_SIGNALS,
    interrupted_note,
    remove_temporaries,
)


class _Terminated(BaseException):
    """SIGTERM (or SIGHUP …), raised like Ctrl-C so that temporary output files are removed."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    if os.getpid() != _MAIN_PID:  # a forked worker inherited the handler: just die
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)
        return
    raise _Terminated(signum)


# Signals that would kill the process without cleaning up (Ctrl-C is KeyboardInterrupt).
_TERMINATING = sorted(CAUGHT_SIGNALS - {signal.SIGINT})


_MAIN_PID = os.getpid()


@contextlib.contextmanager
def error_boundary() -> Iterator[None]:
    """The one place user errors become a one-line message and an exit code."""
    global _MAIN_PID
    _MAIN_PID = os.getpid()
    previous: dict[int, object] = {}
    with contextlib.suppress(ValueError):  # not the main thread: leave signals alone
        for signum in _TERMINATING:
            previous[signum] = signal.signal(signum, _on_sigterm)
    try:
        yield
    except ClustererError as exc:
        stderr.print(f"Error: {exc}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    except MemoryError:
        stderr.print(f"Error: {OutOfMemory()}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        remove_temporaries()
        stderr.print(f"Interrupted; {interrupted_note()}", highlight=False)
        raise typer.Exit(130) from None
    except _Terminated as stop:
        remove_temporaries()
        word = ("Terminated" if stop.signum == signal.SIGTERM
                else f"Stopped by {signal.Signals(stop.signum).name}")
        stderr.print(f"{word}; {interrupted_note()}", highlight=False)
        raise typer.Exit(128 + stop.signum) from None
    except BrokenPipeError:
        # The reader of stdout went away (`| head`): stop quietly, as Unix tools do.
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise typer.Exit(141) from None
    finally:
        remove_temporaries()  # a signal during any cleanup: nothing may stay behind
        for number, handler in previous.items():
            signal.signal(number, handler)  # type: ignore[arg-type]

