"""Faust wiring: app factory, topics, tables, agents. Thin: every decision is in streams.core."""

from streams.app.factory import build_worker_app

__all__ = ["build_worker_app"]
