"""Crash-only: when the framework or our own code fails (not a record: a record's failure is a
dead letter), the worker exits at once, before any offset commit can pass over the batch it was
working on. A supervisor restarts it, and the restarted worker reads that batch again."""

from __future__ import annotations

import logging
import os
import sys
import traceback
from typing import Any, NoReturn

log = logging.getLogger("fiulink.worker")

#: the exit code of a crash-only exit (EX_SOFTWARE)
EXIT_CRASH = 70


def crash(message: str, *args: Any, with_traceback: bool = False) -> NoReturn:
    """Log ``message % args`` at CRITICAL (with the current exception's traceback if asked) and
    exit now: no cleanup, no commit, no flush of what Faust holds."""
    if with_traceback:
        traceback.print_exc()
    log.critical(message, *args)
    sys.stderr.flush()
    os._exit(EXIT_CRASH)
