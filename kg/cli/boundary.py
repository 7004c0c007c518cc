"""The command line's one error boundary, its deadline (``--timeout``) and Ctrl-C.

Every ``kg`` command runs in a worker thread while the main thread waits for it. That gives
three guarantees a research tool needs:

- an error caused by the user's input, files, environment or a remote server reaches the user
  as one sentence (``kg: ...``) with its documented exit code, and anything else is named as a
  bug in one sentence (the traceback only with ``--debug`` or ``KG_DEBUG=1``);
- ``--timeout SECONDS`` really ends the work: pyoxigraph cannot cancel a running query, but it
  releases the GIL, so the main thread can end the whole process at the deadline, which frees
  the CPU (child processes such as the reasoner's Java are killed first);
- Ctrl-C (or SIGTERM) ends any command within a second, even inside a long query.

Before ending the process early it removes the temporary files of unfinished atomic writes
(kg.output registers them), so no half-written output is left behind. The last act, ending the
process, is ``end_process``: a test harness that runs commands in its own process (tests/conftest.py)
puts there what ends only the command, so that all the rest of the deadline's path runs as in a user's.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TextIO, TypeVar

import click

from kg.errors import EXIT_ERROR, KgError, shown
from kg.output import out_of_space, remove_temporaries
from kg.version import __version__

FC = TypeVar("FC", bound=Callable[..., object] | click.Command)  # what a click decorator takes and gives back
EXIT_BUG = 3  # an internal error: the message says it is a bug
EXIT_INTERRUPTED = 130  # Ctrl-C, as shells report SIGINT
EXIT_TERMINATED = 143  # SIGTERM, likewise
DEBUG_ENV = "KG_DEBUG"
POLL_S = 0.1


class _State:
    """The running command's deadline, --timeout, --debug and how Ctrl-C ends it (one command per process)."""

    deadline: float | None = None  # time.monotonic() at which the command is stopped
    timeout: float | None = None  # --timeout as given, for messages
    debug = False
    interrupt_ends_normally = False
    ending = False  # set once the process is being ended early
    stderr: TextIO | None = None  # sys.stderr when the command started (a library may redirect it later)
    children: frozenset[int] = frozenset()  # child processes that were there before the command: not its own


_state = _State()
# The deadline's (and Ctrl-C's) last act, with the exit code: the process ends, nothing of it runs on.
end_process: Callable[[int], object] = os._exit


def set_timeout(seconds: float | None) -> None:
    """Give the running command a deadline, ``seconds`` from now (None: no deadline)."""
    if seconds is None:
        return
    if not 0 < seconds < float("inf"):  # NaN fails this too: a deadline that never comes is none
        raise click.BadParameter("must be a positive number of seconds", param_hint="'--timeout'")
    _state.timeout = seconds
    _state.deadline = time.monotonic() + seconds


def timeout_given() -> float | None:
    """The command's --timeout in seconds, or None."""
    return _state.timeout


def time_left() -> float | None:
    """Seconds before the command's deadline (at least 0.1), or None when it has none."""
    deadline = _state.deadline
    return None if deadline is None else max(0.1, deadline - time.monotonic())


def set_debug(on: bool) -> None:
    """Show the traceback of an internal error (--debug)."""
    _state.debug = on


def interrupt_ends_normally() -> None:
    """For ``kg serve``: Ctrl-C is how it is meant to stop, so it exits 0."""
    _state.interrupt_ends_normally = True


def _debugging() -> bool:
    return bool(_state.debug) or os.environ.get(DEBUG_ENV, "") not in ("", "0")


def _say(message: str, lines: bool = False) -> None:
    _say_as("kg", message, lines)


def _say_as(who: str, message: str, lines: bool = False) -> None:
    """``who: message`` on stderr, its control characters escaped (a name's escape sequences or newlines never
    reach the terminal); ``lines``: a message that is a list of lines, each escaped already (SheetProblems)."""
    if _state.ending:  # the command is being ended: what its thread says now is only an echo of that
        return
    click.echo(shown(f"{who}: {message}", lines=lines), err=True)


def _bug(error: BaseException) -> int:
    if _debugging() and not _state.ending:
        traceback.print_exception(error)
    detail = " ".join(str(error).split())[:300]
    where = "" if _debugging() else " (rerun with --debug or KG_DEBUG=1 to see where)"
    _say(
        f"internal error, a bug in smartcity-kg {__version__}: {type(error).__name__}"
        + (f": {detail}" if detail else "")
        + f"; please report it with the command that caused it{where}."
    )
    return EXIT_BUG


def _run_command(command: click.Command, args: list[str]) -> int:
    """Run the click command to the end and turn whatever it raises into an exit code."""
    unreadable = _not_utf8(args)
    if unreadable:
        _say(unreadable)
        return EXIT_ERROR
    try:
        result = command.main(args, prog_name="kg", standalone_mode=False)
        return result if isinstance(result, int) else 0
    except KgError as error:
        if _debugging() and not _state.ending:
            traceback.print_exception(error)
        _say(str(error), error.lines)
        return error.exit_code
    except click.exceptions.Exit as stop:
        return stop.exit_code
    except click.exceptions.NoArgsIsHelpError as error:  # `kg` or `kg links` alone: the help is the answer
        error.show()
        return error.exit_code
    except click.UsageError as error:
        _say_usage(error, command, args)
        return error.exit_code
    except click.ClickException as error:
        _say(_sentence(error.format_message()))
        return error.exit_code
    except click.Abort:
        _say("aborted.")
        return EXIT_INTERRUPTED
    except SystemExit as stop:
        return stop.code if isinstance(stop.code, int) else (0 if stop.code is None else EXIT_ERROR)
    except MemoryError:
        _say("ran out of memory; give a smaller input or run on a machine with more memory.")
        return EXIT_ERROR
    except BrokenPipeError:
        # The reader of stdout went away (`kg queries | head -1`): it has what it wanted, so this
        # is success, as for any Unix filter; nothing more goes to it.
        _silence_stdout()
        return 0
    except OSError as error:
        if not out_of_space(error):
            return _bug(error)
        where = f" writing {error.filename}" if error.filename else ""
        _say(f"the disk is full (or your quota is){where}; free some space and run the command again.")
        return EXIT_ERROR
    except Exception as error:
        return _bug(error)


def _not_utf8(args: list[str]) -> str:
    """The sentence refusing the first argument that is not valid UTF-8, or "".

    Python hands such bytes over as lone surrogates (surrogateescape); every name and value of
    the graph is UTF-8 text, so one of them would fail deep inside a command, or name a file no
    message could show.
    """
    for number, arg in enumerate(args, start=1):
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            return (
                f"argument {number} ({shown(arg)}) is not valid UTF-8; give it as UTF-8 text "
                "(rename a file whose name is not)."
            )
    return ""


class Group(click.Group):
    """A click group whose commands end successfully when the reader of stdout goes away.

    Click itself catches that broken pipe and exits 1; ``kg queries | head -1`` is a success like
    any Unix filter's, so the command stops there with exit 0 and nothing more is written.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Parse the group's options, keeping the whole command line in ``ctx.meta["kg.args"]``."""
        ctx.meta["kg.args"] = list(args)
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> object:
        """Run the chosen command; a closed stdout ends it with exit 0."""
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            _silence_stdout()
            raise click.exceptions.Exit(0) from None


def _sentence(message: str) -> str:
    """Click's message as the rest of a ``kg`` sentence: lower-case start, no full stop (one is added)."""
    message = " ".join(message.split()).rstrip(".")
    return (message[:1].lower() + message[1:]) if message[1:2].islower() or message[1:2] == " " else message


def _say_usage(error: click.UsageError, command: click.Command, args: list[str]) -> None:
    """A usage error as one line naming the command and where its usage is explained, not click's three.

    ``kg query: missing argument 'NAME'; see kg query --help.``: the ``kg: ...`` form of every other
    error, with the command's own name when there is one.
    """
    path = error.ctx.command_path if error.ctx is not None else _command_path(command, args)
    message = _sentence(error.format_message())
    # Click's suggestion ("No such command 'quer'. Did you mean 'query'?") as part of the one sentence.
    message = re.sub(r"\.? *\(?Did you mean (.*?)\?\)?$", r" (did you mean \1?)", message)
    _say_as(path, f"{message}; see {path} --help.")


def _command_path(command: click.Command, args: list[str]) -> str:
    """``kg query`` for ``query -f x``: the (sub)commands the arguments name, for an error click gave no context."""
    names = ["kg"]
    for arg in args:
        if isinstance(command, click.Group) and arg in command.commands:
            command = command.commands[arg]
            names.append(arg)
    return " ".join(names)


def _silence_stdout() -> None:
    """Point stdout's file descriptor at /dev/null, so that Python's flush at exit has nowhere to fail
    (no "Exception ignored ... BrokenPipeError" after a reader such as ``head`` went away)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # no real stdout (a test's captured stream): nothing to flush
        pass


def _children() -> list[int]:
    """Process ids of this process's children (Linux: /proc/self/task/*/children), else none."""
    pids: list[int] = []
    for task in Path("/proc/self/task").glob("*/children"):
        try:
            pids += [int(pid) for pid in task.read_text().split()]
        except (OSError, ValueError):
            continue
    return pids


def _reap(pids: list[int], seconds: float) -> None:
    """Wait (briefly) until the killed children are gone, so none outlives this process even for a moment."""
    deadline = time.monotonic() + seconds
    waiting = set(pids)
    while waiting and time.monotonic() < deadline:
        for pid in list(waiting):
            try:
                done, _ = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:  # already reaped elsewhere
                done = pid
            if done:
                waiting.discard(pid)
        if waiting:
            time.sleep(0.01)


def _end_now(message: str, code: int) -> None:
    """End the process at once: kill the command's children, remove temporary files, say why."""
    _state.ending = True
    children = [pid for pid in _children() if pid not in _state.children]
    for pid in children:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    _reap(children, seconds=1.0)
    remove_temporaries()
    if message:
        try:
            # The command's stream: a library may have redirected sys.stderr since (Owlready2's output is).
            stream = _state.stderr or sys.__stderr__ or sys.stderr
            stream.write(f"kg: {message}\n")
            stream.flush()
            sys.stdout.flush()
        except (OSError, ValueError):
            pass
    end_process(code)


class _Terminated(Exception):
    """SIGTERM arrived (a service manager, a test stopping a server by pid)."""


def _on_sigterm(_signum: int, _frame: object) -> None:
    raise _Terminated


def run(command: click.Command, args: list[str] | None = None) -> int:
    """Run ``command`` with ``args`` under the error boundary, its deadline and Ctrl-C; the exit code."""
    args = sys.argv[1:] if args is None else args
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _on_sigterm)
    _state.stderr, _state.children = sys.stderr, frozenset(_children())
    outcome: list[int] = []
    worker = threading.Thread(target=lambda: outcome.append(_run_command(command, args)), name="kg", daemon=True)
    worker.start()
    try:
        while worker.is_alive():
            worker.join(POLL_S)
            deadline = _state.deadline
            if deadline is not None and time.monotonic() > deadline and worker.is_alive():
                _end_now(
                    f"stopped after {_state.timeout:g} s (--timeout); nothing was written. "
                    "Narrow the query or give a longer --timeout.",
                    EXIT_ERROR,
                )
    except KeyboardInterrupt:
        if _state.interrupt_ends_normally:
            _end_now("stopped.", 0)
        _end_now("interrupted; nothing was written.", EXIT_INTERRUPTED)
    except _Terminated:
        if _state.interrupt_ends_normally:
            _end_now("stopped.", 0)
        _end_now("terminated; nothing was written.", EXIT_TERMINATED)
    return outcome[0] if outcome else EXIT_BUG


def timeout_option(
    help_text: str = "Stop after SECONDS and exit 2 (the query is really stopped).",
) -> Callable[[FC], FC]:
    """The ``--timeout SECONDS`` option of every command that runs queries."""
    return click.option(
        "--timeout",
        type=float,
        metavar="SECONDS",
        default=None,
        expose_value=False,
        is_eager=True,
        callback=lambda _ctx, _param, value: set_timeout(value),
        help=help_text,
    )
