"""The progress bar every long command shows on stderr."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from transition_sim.ensemble.runner import ProgressFn

__all__ = ["RateColumn", "progress_bar"]


class RateColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(
            "– runs/s" if speed is None else f"{speed:.1f} runs/s", style="progress.data.speed"
        )


@contextmanager
def progress_bar(description: str) -> Iterator[ProgressFn]:
    """A progress bar on stderr with rate and ETA, shown from the first progress report (not
    before the output directory is checked), refreshed by us (no thread to fork with)."""
    bar: Progress | None = None
    task: TaskID | None = None

    def advance(done: int, total: int) -> None:
        nonlocal bar, task
        if bar is None or task is None:
            bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                RateColumn(),
                TimeElapsedColumn(),
                TextColumn("eta"),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                auto_refresh=False,
            )
            bar.start()
            # A resumed run starts part way: that jump is not counted in the rate.
            task = bar.add_task(description, total=total, completed=done)
        else:
            bar.update(task, completed=done, total=total)
        bar.refresh()

    try:
        yield advance
    finally:
        if bar is not None:
            bar.stop()
