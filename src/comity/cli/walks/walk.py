"""What a demo walk of one practice life cycle is: the request XA sends XB, then the moves
each State's officer makes (or the clock makes) until the record reaches its final state.

A walk is data: the scenario runner (``comity.cli.scenario_practice``) creates the request on
XA, has it approved and sent, finds XB's copy, and then plays the moves over the officers'
API, waiting after each one until the other State's copy shows the same practice state, and
printing one timeline line per move. ``advance`` moves the whole demo network's clock forward
before the move (every node reads the same offset), which is how a walk shows its timers: the
18-day alarm, an expiry, a speciality lapse. A move with ``clock=True`` is taken by the node
whose clock runs the life cycle: the runner waits for it instead of posting it. A move with no
step only moves the clock and checks its ``alarm``.

An instant value may be written relative to the demo network's clock at the move: ``@now``,
``@now+3d``, ``@now-2h``, ``@now+30m`` (the runner writes the ISO 8601 instant).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

#: The requesting and requested States of every walk.
REQUESTING, REQUESTED = "XA", "XB"


@dataclass(frozen=True)
class Move:
    """One step of a walk.

    ``state`` is the State whose officer takes it (``XA`` or ``XB``); ``officer`` is the demo
    account that does (``drafter`` or ``approver`` on XA; ``executor`` or ``duty`` on XB);
    ``what`` is the timeline's text (``step`` empty: the clock only moves, and ``alarm`` is
    checked); ``expect`` the practice state both copies must show
    afterwards; ``alarm`` an alarm code the clock must show after the move (the 18-day
    review); ``advance`` how far the demo clock moves forward before the move.
    """

    state: str
    step: str
    what: str
    values: Mapping[str, str | int | bool] = field(default_factory=dict)
    officer: str = ""
    expect: str | None = None
    advance: timedelta | None = None
    clock: bool = False
    alarm: str | None = None


@dataclass(frozen=True)
class Walk:
    """One life cycle's walk: its title, the request (type, urgency, channel, complete
    fields for the requesting State's code) and its moves."""

    title: str
    type_code: str
    fields: Callable[[str], dict[str, Any]]
    moves: tuple[Move, ...]
    urgency: str = "routine"
    channel: str | None = None
