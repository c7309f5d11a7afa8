"""What the ``minwon`` commands print through: the consoles (standard output and error) and
the progress bars of long commands (demo, backup, restore)."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)

console = Console()
err = Console(stderr=True)


def progress_bar(label: str) -> Progress:
    """A bar with the label, done of total and the time left, on standard output."""
    return Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
    )


@contextmanager
def progress_on_first_step(label: str) -> Iterator[Callable[[int, int], None]]:
    """A progress callback whose bar appears at its first call, so that a refusal found before
    any work is shown as a message alone."""
    bar = progress_bar(label)
    tasks: list[TaskID] = []

    def update(done: int, total: int) -> None:
        if not tasks:
            bar.start()
            tasks.append(bar.add_task(label, total=total))
        bar.update(tasks[0], completed=done, total=total)

    try:
        yield update
    finally:
        bar.stop()
