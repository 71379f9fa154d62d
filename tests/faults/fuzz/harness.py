"""What every fuzz target shares: the oracle, and the libFuzzer entry point.

The oracle is the plan's (§6 F-01): a parser of foreign input either returns or raises an
error of the project's tree. ``DomainError`` is swallowed; any other exception escapes
``one_input`` and libFuzzer stops with a crash report and the input that caused it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import atheris

Parser = Callable[[bytes], object]


def one_input(parse: Parser) -> Callable[[bytes], None]:
    """``parse`` wrapped in the oracle: errors of the project's tree are the designed answer."""

    # Imported here, after the target imported the project under instrumentation.
    from comity.domain.errors import DomainError

    def run(data: bytes) -> None:
        try:
            parse(data)
        except DomainError:
            pass

    return run


def split_mode(data: bytes) -> tuple[int, bytes]:
    """The first byte picks one of a target's modes; the rest is the input."""
    if not data:
        return 0, b""
    return data[0], data[1:]


def instrumented() -> AbstractContextManager[Any]:
    """Import the project inside this block to give libFuzzer coverage of its code.

    Only ``comity`` is instrumented: instrumenting every loaded library (33 000 functions)
    takes longer than a tier-C run of the target.
    """
    main = getattr(sys.modules.get("__main__"), "__spec__", None)
    if main is None or not main.name.startswith("tests.faults.fuzz."):
        # Imported by the runner for its seeds: no instrumentation in the test process.
        return nullcontext()
    return atheris.instrument_imports(include=["comity", "joserfc", "http_message_signatures"])


def main(parse: Parser) -> None:
    """Run ``parse`` under libFuzzer with the flags on the command line."""
    run = one_input(parse)
    # The first call loads the keys and verifies the directory (a second or so); done here,
    # it does not count against libFuzzer's one-second limit per input.
    run(b"")
    atheris.Setup(sys.argv, run)
    atheris.Fuzz()
