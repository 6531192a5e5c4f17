"""The experiment behind transition_sim/dashboard/jobs.py (not a test: run by hand, a minute).

Jobs started as Dash's DiskcacheManager starts them (``multiprocess`` Process, each writing a
diskcache) from a process whose other threads use the same cache as the threaded server's
request threads do (a new thread, hence a new SQLite connection, per request). Counts the jobs
that have not finished their 21 writes within 5 s.

    uv run python tests/fork_jobs_experiment.py fork 30        # session 22: 11, 17 of 30 stuck
    uv run python tests/fork_jobs_experiment.py forkserver 30  # 0 of 30
    uv run python tests/fork_jobs_experiment.py spawn 30       # 0 of 30

A stuck job's stack (faulthandler) is diskcache's ``BEGIN IMMEDIATE`` (`Cache._transact`).
"""

import os
import sys
import tempfile
import threading
import time

import diskcache
import multiprocess


def request(cache: diskcache.Cache) -> None:
    """A request thread: its own connection (diskcache's is per thread), reads and a write."""
    for _ in range(5):
        cache.get("x")
    cache.set(f"req-{threading.get_ident()}", b"y" * 100)


def server(cache: diskcache.Cache, stop: threading.Event) -> None:
    while not stop.is_set():
        threads = [threading.Thread(target=request, args=(cache,)) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()


def job(cache: diskcache.Cache, key: str) -> None:
    for i in range(20):
        cache.set(key, i)
    cache.set(key + "-done", True)


def main(method: str, jobs: int) -> None:
    cache = diskcache.Cache(os.path.join(tempfile.mkdtemp(), "jobs"))
    cache.set("x", 1)
    stop = threading.Event()
    for _ in range(3):
        threading.Thread(target=server, args=(cache, stop), daemon=True).start()
    context = multiprocess.get_context(method)
    stuck, start = 0, time.time()
    for j in range(jobs):
        process = context.Process(target=job, args=(cache, f"job{j}"))
        process.start()
        process.join(5)
        if process.is_alive():
            stuck += 1
            process.kill()
            process.join()
    stop.set()
    print(f"{method}: {stuck} of {jobs} jobs stuck; {time.time() - start:.1f} s")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
