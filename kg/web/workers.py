"""Query workers for ``kg serve``: processes that hold the graph, so that a query past its deadline can be killed.

pyoxigraph releases the GIL while it evaluates a query but offers no way to cancel one, so a
runaway query in a thread would keep a core busy until it finished, whatever the client did.
Each query therefore runs in a worker process; when its deadline passes (or its client hangs
up) the server kills the worker with SIGKILL, which frees the CPU at once, and starts a fresh one.

Workers are fresh interpreters (``python -m kg.web.workers FILE...`` through subprocess, i.e.
fork+exec), never a bare ``fork()`` of the server: replacements are started while the server's
threads are running, and a forked copy of a threaded process can inherit locks held by threads
that do not exist in the child. Each worker loads the graph itself with
``KnowledgeGraph.open(data_files)`` (the workspace's on-disk store, opened read-only).
Each worker has a session (process group) of its own: Ctrl-C in the terminal reaches only the
server, which then stops its workers, and a kill takes the whole group, including a reasoner
the worker started for an ``inferred`` query. On Linux a worker also asks to be killed when the
server dies (PR_SET_PDEATHSIG), so even a killed server leaves no runaway query behind.

Jobs and answers are JSON in length-prefixed frames (multiprocessing's Connection) over the
worker's stdin and stdout; the worker points its own fd 1 at stderr so a stray print cannot
corrupt the channel. Answers are rendered in the worker (kg.web.answers), so the server process
never holds a result set. This module knows nothing of HTTP: kg.web.app hands it jobs.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path

from kg.errors import KgError
from kg.graph.embedded import KnowledgeGraph
from kg.web.answers import Answer, Job, answer_job

_SPAWNER = ThreadPoolExecutor(1, thread_name_prefix="kg-worker-spawner")
START_SECONDS = 300  # a cold cache parses every bundled file; later starts take well under a second


class Busy(Exception):
    """No worker became free before the request's deadline."""


class TimedOut(Exception):
    """The query ran past its deadline; its worker was killed."""


class ClientGone(Exception):
    """The client hung up while its query ran; the worker was killed."""


class WorkerDied(Exception):
    """The worker ended without answering (killed from outside, or out of memory)."""


@dataclass(eq=False)  # identity: workers live in a set
class Worker:
    """One worker process and its two channels: jobs go in on its stdin, answers come out of its stdout."""

    process: subprocess.Popen[bytes]
    jobs: Connection
    answers: Connection

    def kill(self) -> None:
        """Kill the worker's whole process group at once and close its channels."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)  # its own process group: a reasoner it started goes too
        self.process.wait()
        for channel in (self.jobs, self.answers):
            with contextlib.suppress(OSError):
                channel.close()


def start_worker(data_files: Sequence[Path]) -> Worker:
    """A worker process that has loaded the graph of ``data_files`` (and the workspace's).

    Raises KgError with the worker's own sentence if it cannot load the graph, or if it does not
    answer within START_SECONDS.
    """
    job_read, job_write = os.pipe()
    answer_read, answer_write = os.pipe()
    command = [sys.executable, "-m", "kg.web.workers", str(os.getpid()), *map(str, data_files)]  # same cwd
    try:
        # PR_SET_PDEATHSIG fires when the thread that started the child ends, so every worker is started
        # from one thread that lives as long as the server.
        spawn = _SPAWNER.submit(
            subprocess.Popen, command, stdin=job_read, stdout=answer_write, start_new_session=True
        )  # a session of its own: Ctrl-C in the terminal reaches the server, which then stops its workers
        process = spawn.result()
    finally:
        os.close(job_read)
        os.close(answer_write)
    worker = Worker(process, Connection(job_write, readable=False), Connection(answer_read, writable=False))
    try:
        if not worker.answers.poll(START_SECONDS):
            raise KgError(f"a query worker did not load the graph within {START_SECONDS} s.")
        hello = json.loads(worker.answers.recv_bytes())
    except (EOFError, OSError):
        worker.kill()
        raise KgError(f"a query worker exited with code {process.returncode} while loading the graph.") from None
    except KgError:
        worker.kill()
        raise
    if "error" in hello:
        worker.kill()
        raise KgError(hello["error"])
    return worker


class Pool:
    """``size`` workers; a job takes an idle one, and a killed one is replaced in the background.

    Raises KgError (from :func:`start_worker`) when the workers cannot be started.
    """

    def __init__(self, data_files: Sequence[Path], size: int) -> None:
        self.data_files = list(data_files)
        self.idle: queue.Queue[Worker] = queue.Queue()
        self.all: set[Worker] = set()
        self.lock = threading.Lock()
        self.closed = False
        for worker in _start_many(self.data_files, size):
            self._add(worker)

    def _add(self, worker: Worker) -> None:
        with self.lock:
            if self.closed:
                worker.kill()
                return
            self.all.add(worker)
        self.idle.put(worker)

    def run(self, job: Job, deadline: float, client: socket.socket | None = None) -> Answer:
        """The worker's answer to ``job``, by ``deadline`` (a time.monotonic() value).

        ``client`` is the requesting connection: if it hangs up meanwhile, the query is stopped.
        Raises Busy (no idle worker by the deadline), TimedOut, ClientGone or WorkerDied.
        """
        try:
            worker = self.idle.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise Busy from None
        try:
            worker.jobs.send_bytes(json.dumps(job).encode("utf-8"))
            watched: list[Connection | socket.socket] = [worker.answers]
            watched += [client] if client is not None else []
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    self._replace(worker)
                    raise TimedOut
                ready = wait(watched, remaining)
                if worker.answers in ready:
                    answer: Answer = json.loads(worker.answers.recv_bytes())
                    self.idle.put(worker)
                    return answer
                if client is not None and client in ready:
                    if _hung_up(client):
                        self._replace(worker)
                        raise ClientGone
                    watched.remove(client)  # the client sent more (a pipelined request): stop watching
        except (EOFError, OSError, ValueError):
            self._replace(worker)
            raise WorkerDied from None

    def _replace(self, worker: Worker) -> None:
        """Kill ``worker`` now (freeing its CPU) and start its successor in a background thread."""
        worker.kill()
        with self.lock:
            self.all.discard(worker)
            if self.closed:
                return
        threading.Thread(target=self._restart, daemon=True, name="kg-worker-restart").start()

    def _restart(self) -> None:
        while not self.closed:
            try:
                self._add(start_worker(self.data_files))
                return
            except KgError as error:
                print(f"kg serve: could not start a query worker ({error}); retrying in 5 s.", file=sys.stderr)
                time.sleep(5)

    def close(self) -> None:
        """Stop every worker; none is started again."""
        with self.lock:
            self.closed = True
            workers, self.all = list(self.all), set()
        for worker in workers:
            worker.kill()


def _start_many(data_files: Sequence[Path], size: int) -> list[Worker]:
    """Start ``size`` workers side by side; if one fails, stop the others and raise its error."""
    started: list[Worker] = []
    errors: list[KgError] = []

    def one() -> None:
        try:
            started.append(start_worker(data_files))
        except KgError as error:
            errors.append(error)

    threads = [threading.Thread(target=one, daemon=True) for _ in range(size)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        for worker in started:
            worker.kill()
        raise errors[0]
    return started


def _hung_up(client: socket.socket) -> bool:
    try:
        return client.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


# --- inside a worker ---------------------------------------------------------------------------


def _die_with_parent(parent: int) -> None:
    """On Linux, have the kernel SIGKILL this worker when the server process ends."""
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the server ended before the request took effect
        os._exit(0)


def worker_main(argv: list[str]) -> int:
    """A worker's life (``python -m kg.web.workers SERVER_PID FILE...``): load the graph, then answer jobs until EOF.

    Returns 0 when the server closes the jobs channel, 2 when the graph cannot be loaded.
    """
    _die_with_parent(int(argv[0]))
    out = os.dup(1)
    os.dup2(2, 1)
    jobs, answers = Connection(0, writable=False), Connection(out, readable=False)
    try:
        graph = KnowledgeGraph.open([Path(f) for f in argv[1:]])
        answers.send_bytes(json.dumps({"ready": len(graph)}).encode("utf-8"))
    except Exception as error:  # KgError is the user's to fix; anything else is a bug, said in one line
        message = str(error) if isinstance(error, KgError) else f"loading the graph failed (a bug): {error!r}"
        answers.send_bytes(json.dumps({"error": message}).encode("utf-8"))
        return 2
    while True:
        try:
            job: Job = json.loads(jobs.recv_bytes())
        except EOFError:
            return 0
        reply: Answer
        try:
            reply = answer_job(graph, job)
        except KgError as error:
            reply = {"status": 400, "body": str(error)}
        except Exception as error:  # a bug: one line here, one sentence to the client
            print(
                f"kg serve: internal error in a query worker (a bug): {type(error).__name__}: {error}", file=sys.stderr
            )
            reply = {"status": 500, "body": "the query failed inside the server (a bug); the operator's log says more."}
        answers.send_bytes(json.dumps(reply).encode("utf-8"))


if __name__ == "__main__":
    sys.exit(worker_main(sys.argv[1:]))
