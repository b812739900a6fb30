"""Progress of long operations: a tqdm bar, the application's own callback, or nothing.

``show_progress=True`` draws the same bar implicit draws while fitting (``tqdm.auto``,
installed with implicit). A callable is called as ``callback(done, total)`` after each
block of work instead, so an application can drive its own progress display, log, or
stop the operation by raising: every operation that reports progress changes nothing
before it returns, so the exception leaves all state as it was.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeAlias

from .errors import InvalidInputError

ProgressCallback: TypeAlias = Callable[[int, int], object]
ShowProgress: TypeAlias = bool | ProgressCallback


def check_show_progress(value: object, field: str = "show_progress") -> ShowProgress:
    """``value`` if it is a bool or a callable, else an error naming ``field``."""
    if isinstance(value, bool) or callable(value):
        return value
    raise InvalidInputError(
        f"{field}: expected a bool or a callable(done, total), got {type(value).__name__}"
    )


def _tqdm(total: int, description: str) -> Any:
    try:
        module = importlib.import_module("tqdm.auto")
    except ImportError as error:  # pragma: no cover - tqdm is installed with implicit
        raise ImportError(
            "show_progress=True draws a tqdm bar, and tqdm (a dependency of implicit) "
            "is not installed: pip install tqdm, or pass a callable(done, total)"
        ) from error
    # The bar stays when done (leave=True): a notebook cell keeps its record of the work.
    return module.tqdm(total=total, desc=description, leave=True)


class Progress:
    """Counts work done towards a total and reports it; does nothing when disabled.

    Use as a context manager so that a bar is closed even when the work fails.
    """

    __slots__ = ("_bar", "_callback", "done", "total")

    def __init__(self, show_progress: ShowProgress, total: int, description: str) -> None:
        self.done = 0
        self.total = total
        self._bar: Any = None
        self._callback: ProgressCallback | None = None
        if show_progress is True:
            self._bar = _tqdm(total, description)
        elif show_progress is not False:
            self._callback = show_progress

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._bar is not None:
            self._bar.close()

    def retotal(self, total: int) -> None:
        """The total grew (or shrank) once more was known about the work."""
        if total == self.total:
            return
        self.total = total
        if self._bar is not None:
            self._bar.total = total
            self._bar.refresh()

    def describe(self, description: str) -> None:
        """Name the stage now running (shown on the bar only)."""
        if self._bar is not None:
            self._bar.set_description_str(description)

    def advance(self, count: int = 1) -> None:
        """``count`` more units of work are done."""
        self.done += count
        if self._bar is not None:
            self._bar.update(count)
        elif self._callback is not None:
            self._callback(self.done, self.total)
