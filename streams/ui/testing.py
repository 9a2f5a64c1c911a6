"""Test helpers for the workbench: the app served by uvicorn on a free loopback port in a thread."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from streams.config import Settings
from streams.kafka.broker import free_port


@contextmanager
def serving(settings: Settings, *, session_seconds: float = 3600) -> Iterator[str]:
    """The workbench at ``http://127.0.0.1:PORT`` until the block ends."""
    import uvicorn

    from streams.ui.web import create_app

    port = free_port()
    config = uvicorn.Config(create_app(settings, session_seconds=session_seconds), host="127.0.0.1",
                            port=port, log_level="warning", lifespan="on")  # fmt: skip
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the workbench did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
