"""Many hosts spread over worker processes, when there are enough of them for it to pay.

Collecting a host costs the collector a few milliseconds of CPU in pypsrp, requests and pyspnego, all under one
interpreter lock: past some tens of hosts a run is CPU-bound in one core however many threads wait on the network.
Worker processes each take a share of the hosts (and of ``parallel``) and run it with threads; each host's outcome
comes back over a pipe as it finishes, so progress lines and results are the same as in one process.

Workers start from a forkserver (a clean single-threaded process that has imported the collector once; spawn
where there is none, as on Windows), never by forking this multi-threaded process. Each worker is handed this
process's environment (proxy variables, KRB5CCNAME and KRB5_CONFIG are read there) and its jobs, credentials
included, over the pipe: nothing is written to disk. A worker that dies leaves its unfinished hosts UNKNOWN.

When it pays is measured with bench/bench_winrm.py (``--processes 1,2``). On the development machine (2 cores that
the simulated hosts share with the collector) it never did, up to 200 hosts: one process stayed faster (20 hosts
1.08 s against 1.31 s with two, 100 hosts 3.99 s against 5.02 s, 200 hosts 7.53 s against 12.38 s; medians of 3,
50 ms per request), so the default is one process and ``[winrm] processes`` spreads the hosts where the collector
has cores of its own.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from multiprocessing.connection import Connection, wait
from typing import Any

from conncheck.collectors.winrm import HostJob, HostOutcome, Progress, WorkerUsage, collect_threaded, failed_target

PRELOAD = ["conncheck.collectors.winrm", "pypsrp.powershell", "pypsrp.wsman", "spnego", "requests"]


def _context() -> Any:
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        return context
    return multiprocessing.get_context("spawn")


def collect_in_processes(jobs: list[HostJob], processes: int, parallel: int, progress: Progress | None,
                         usage: WorkerUsage | None) -> list[HostOutcome]:
    context = _context()
    shares = [jobs[i::processes] for i in range(processes)]
    per_process = max(1, -(-parallel // processes))
    pending: dict[Connection, list[HostJob]] = {}
    workers = []
    for share in shares:
        reader, writer = context.Pipe(duplex=False)
        worker = context.Process(target=_work, args=(share, per_process, dict(os.environ), writer),
                                 name="conncheck-winrm", daemon=True)
        worker.start()
        writer.close()  # the worker holds the only write end: its exit is this reader's end of file
        pending[reader] = list(share)
        workers.append(worker)
    outcomes: list[HostOutcome] = []
    cpu = 0.0
    while pending:
        for reader in wait(list(pending)):
            assert isinstance(reader, Connection)
            try:
                kind, value = reader.recv()
            except EOFError:
                outcomes += _lost(pending.pop(reader))
                continue
            if kind == "cpu":
                cpu += value
            else:
                pending[reader] = [job for job in pending[reader] if job.name != value.target.name]
                if progress is not None:
                    progress(value)
                outcomes.append(value)
    for worker in workers:
        worker.join()
    if usage is not None:
        usage.cpu_seconds += cpu
    return outcomes


def _lost(jobs: list[HostJob]) -> list[HostOutcome]:
    reason = "the collector's worker process ended before this host's answer came back"
    return [HostOutcome(failed_target(job, reason), 0.0, reason) for job in jobs]


def _work(jobs: list[HostJob], parallel: int, environment: dict[str, str], results: Connection) -> None:
    os.environ.clear()
    os.environ.update(environment)
    collect_threaded(jobs, parallel, lambda outcome: results.send(("host", outcome)))
    results.send(("cpu", time.process_time()))
    results.close()
