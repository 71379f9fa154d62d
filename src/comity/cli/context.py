"""Opening a node from the command line, and turning domain errors into exit codes."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, ParamSpec, TypeVar

import typer
from rich.console import Console

from comity.bootstrap import Container, build
from comity.config import NODE_FILE, Settings
from comity.domain.errors import DomainError, IncompleteRequestError, InvalidFieldsError

P = ParamSpec("P")
R = TypeVar("R")

# Messages are not re-wrapped by Rich: the terminal wraps them, and pipes and tests get whole
# lines (paths and digests stay searchable).
console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)

DirOption = Annotated[
    Path,
    typer.Option("--dir", help="The node directory (holds node.json and the SQLite database)."),
]

# Exit codes: 0 success, 1 unexpected failure, 2 refused input or state (a DomainError).
EXIT_REFUSED = 2


@contextmanager
def open_node(data_dir: Path, **overrides: Any) -> Iterator[Container]:
    """The node in ``data_dir``, closed afterwards; exit 2 if there is none there."""
    settings = Settings.for_node(data_dir, **overrides)
    if not settings.database_url and not (data_dir / NODE_FILE).exists():
        errors.print(f"There is no node in {data_dir}: run `comity node init` first.")
        raise typer.Exit(EXIT_REFUSED)
    container = build(settings)
    try:
        yield container
    finally:
        container.close()


def reports_errors(function: Callable[P, R]) -> Callable[P, R]:
    """Print domain errors as ``error CODE: detail`` (with every path) and exit 2."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return function(*args, **kwargs)
        except DomainError as error:
            errors.print(f"[red]error {error.code}[/red]: {error.detail}", highlight=False)
            if isinstance(error, (IncompleteRequestError, InvalidFieldsError)):
                for issue in error.issues:
                    errors.print(f"  {issue.path}: {issue.kind} — {issue.message}", highlight=False)
            raise typer.Exit(EXIT_REFUSED) from None

    return wrapper


def print_json(value: Any) -> None:
    """Print ``value`` as indented JSON on standard output."""
    console.print_json(json.dumps(value, default=str, ensure_ascii=False))
