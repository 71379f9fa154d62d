"""The scenario's printed timeline: one line per step, with the wall-clock time, the seconds
since the start, the State, the actor, what happened and what both sides show."""

from __future__ import annotations

import time
from datetime import datetime

from rich.console import Console
from rich.markup import escape


class Timeline:
    """Prints one line per step: clock time, State, actor, what happened, both sides' status."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.started = time.monotonic()
        header = f"{'time':<12}  {'+s':>6}  {'State':<5}  {'actor':<12}  {'what happened':<52}"
        self.console.print(f"[bold]{header}  status XA | XB[/bold]", highlight=False)

    def step(self, state: str, actor: str, what: str, sides: str) -> None:
        """Print one step."""
        now = datetime.now()
        clock = now.strftime("%H:%M:%S.") + f"{now.microsecond // 1000:03d}"
        elapsed = f"{time.monotonic() - self.started:6.2f}"
        self.console.print(
            f"{clock:<12}  {elapsed}  [bold]{state:<5}[/bold]  {escape(actor):<12}  "
            f"{escape(what):<52}  [cyan]{escape(sides)}[/cyan]",
            highlight=False,
        )
