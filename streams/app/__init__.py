"""Faust wiring: the topology (app, topics, tables, agents), batch handlers, retention. Thin: every decision is in streams.core."""

from streams.app.topology import build_worker_app

__all__ = ["build_worker_app"]
