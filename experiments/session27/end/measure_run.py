"""Wall and CPU of `transition-sim run ARGS...` run in this process: the parent's own CPU
(RUSAGE_SELF: collecting, writing the tables, the summary and the report) and its workers'
(RUSAGE_CHILDREN, reaped when the pool closes), and the wall at which the report starts.
`python measure_run.py scenarios/kazakhstan_2022.yaml -n 1000 -w 2 --out DIR --force`;
the numbers are printed as one JSON line on stderr, and appended to $MEASURE_LOG if set."""

from __future__ import annotations

import json
import os
import resource
import sys
import time

WALL0 = time.perf_counter()
marks: dict[str, float] = {}


def cpu() -> dict[str, float]:
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "parent_user": me.ru_utime,
        "parent_sys": me.ru_stime,
        "workers_user": kids.ru_utime,
        "workers_sys": kids.ru_stime,
    }


def _time_the_stream_and_finish() -> None:
    """Marks: the first replication done in the parent (the pool starts), each batch's arrival,
    the folder's assembly (`store.finish`)."""
    from contextlib import contextmanager

    import transition_sim.ensemble.job as job

    original_stream, original_finish = job.stream, job.store.finish

    @contextmanager
    def stream(*args, **kwargs):  # type: ignore[no-untyped-def]
        with original_stream(*args, **kwargs) as batches:

            def timed():  # type: ignore[no-untyped-def]
                arrivals = marks.setdefault("batch_walls", [])
                for batch in batches:
                    arrivals.append(round(time.perf_counter() - WALL0, 3))
                    yield batch

            marks["stream_open_wall"] = time.perf_counter() - WALL0
            yield timed()

    def finish(*args, **kwargs):  # type: ignore[no-untyped-def]
        marks["finish_start_wall"] = time.perf_counter() - WALL0
        marks.update({f"{k}_before_finish": v for k, v in cpu().items()})
        try:
            return original_finish(*args, **kwargs)
        finally:
            marks["finish_end_wall"] = time.perf_counter() - WALL0

    job.stream = stream
    job.store.finish = finish


def main() -> None:
    import transition_sim.cli.scenarios as cli_scenarios

    original = cli_scenarios._write_run_report

    def timed_report(out):  # type: ignore[no-untyped-def]
        marks["report_start_wall"] = time.perf_counter() - WALL0
        marks.update({f"{k}_before_report": v for k, v in cpu().items()})
        original(out)
        marks["report_end_wall"] = time.perf_counter() - WALL0

    cli_scenarios._write_run_report = timed_report
    _time_the_stream_and_finish()
    from transition_sim.cli import app

    sys.argv = ["transition-sim", "run", *sys.argv[1:]]
    code = 0
    try:
        app()
    except SystemExit as exit_:
        code = exit_.code or 0
    record = {
        "args": sys.argv[2:],
        "wall": time.perf_counter() - WALL0,
        **cpu(),
        **marks,
        "loadavg_1min": os.getloadavg()[0],
        "exit": code,
    }
    line = json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in record.items()})
    print(line, file=sys.stderr)
    if os.environ.get("MEASURE_LOG"):
        with open(os.environ["MEASURE_LOG"], "a", encoding="utf-8") as log:
            log.write(line + "\n")
    sys.exit(code)


if __name__ == "__main__":
    main()
