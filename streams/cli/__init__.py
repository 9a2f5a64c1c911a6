"""The ``fiulink`` command line (entry point ``streams.cli:main``)."""

from streams.cli.root import main

__all__ = ["main"]
