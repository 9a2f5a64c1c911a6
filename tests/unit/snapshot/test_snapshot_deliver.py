"""Delivery retries: backoff schedule, retry until 2xx, give up without skipping (no broker)."""

from __future__ import annotations

import io
import json
import threading

import pytest

from streams.codec import codec
from streams.config import Settings
from streams.errors import FiulinkError
from streams.snapshot import samples as S
from streams.snapshot.deliver import Backoff, Deliverer, DeliveryError
from streams.snapshot.writer import Message


def test_backoff_doubles_then_caps() -> None:
    b = Backoff(base=0.5, cap=3.0)
    assert [b.delay(n) for n in range(1, 6)] == [0.5, 1.0, 2.0, 3.0, 3.0]


class FakeCaseSystem:
    def __init__(self, answers: list[int]) -> None:
        self.answers = answers
        self.calls: list[tuple[str, dict, str]] = []

    def __call__(self, url: str, body: bytes, key: str) -> int:
        self.calls.append((url, json.loads(body), key))
        return self.answers.pop(0) if self.answers else 200


def _deliverer(post: FakeCaseSystem, **kw) -> Deliverer:  # type: ignore[no-untyped-def]
    settings = Settings.from_env({"FIULINK_TOPIC_PREFIX": "t."})
    return Deliverer(settings, "DE", "http://case.example/hook", post=post, err=io.StringIO(), **kw)


def _message(nid: str) -> Message:
    return Message(
        "t.notifications.DE", 0, 5, codec().encode("Notification", S.notification(nid, "m", "DE", "FR"))
    )


def test_retries_until_a_2xx_with_the_notification_id_as_idempotency_key() -> None:
    post = FakeCaseSystem([500, 0, 429, 204])
    d = _deliverer(post, backoff=Backoff(base=0.001))
    assert d._deliver(_message("n-42")) is True
    assert [c[2] for c in post.calls] == ["n-42"] * 4
    assert post.calls[-1][1] == S.notification("n-42", "m", "DE", "FR")
    assert (d.stats.delivered, d.stats.failed_attempts) == (1, 3)


def test_gives_up_after_max_attempts_without_claiming_delivery() -> None:
    post = FakeCaseSystem([503] * 10)
    d = _deliverer(post, backoff=Backoff(base=0.001, max_attempts=3))
    with pytest.raises(DeliveryError, match="not delivered after 3 attempts: HTTP 503") as info:
        d._deliver(_message("n-1"))
    assert "next `fiulink deliver` run starts with it" in str(info.value.hint)
    assert d.stats.delivered == 0 and len(post.calls) == 3


def test_stop_during_backoff_returns_undelivered() -> None:
    stop = threading.Event()
    post = FakeCaseSystem([500] * 10)
    d = _deliverer(post, backoff=Backoff(base=5.0), stop=stop)
    threading.Timer(0.2, stop.set).start()
    assert d._deliver(_message("n-1")) is False
    assert d.stats.delivered == 0


def test_a_url_that_is_not_http_is_refused() -> None:
    with pytest.raises(FiulinkError, match="not an HTTP URL"):
        Deliverer(Settings(), "DE", "ftp://x")
