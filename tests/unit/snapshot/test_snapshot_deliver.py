"""Delivery retries: backoff schedule, retry until 2xx, give up without skipping (no broker)."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import socket
import ssl
import threading
from collections.abc import Iterator, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from streams.codec import codec
from streams.config import Settings
from streams.errors import FiulinkError
from streams.snapshot import samples as S
from streams.snapshot.deliver import (
    Answer,
    Backoff,
    Deliverer,
    DeliveryError,
    _why,
    default_group,
    http_post,
    parse_header,
)
from streams.snapshot.writer import Message


def test_backoff_doubles_then_caps() -> None:
    b = Backoff(base=0.5, cap=3.0)
    assert [b.delay(n) for n in range(1, 6)] == [0.5, 1.0, 2.0, 3.0, 3.0]


class FakeCaseSystem:
    def __init__(self, answers: list[int]) -> None:
        self.answers = answers
        self.calls: list[tuple[str, dict, str]] = []

    def __call__(self, url: str, body: bytes, headers: Mapping[str, str]) -> Answer:
        self.calls.append((url, json.loads(body), headers["Idempotency-Key"]))
        status = self.answers.pop(0) if self.answers else 200
        return Answer(status, f"HTTP {status}" if status else "connection refused by case.example")


def _deliverer(post: Any, home: Path, **kw) -> Deliverer:  # type: ignore[no-untyped-def]
    env = {"FIULINK_TOPIC_PREFIX": "t.", "FIULINK_HOME": str(home)}
    d = Deliverer(
        Settings.from_env(env), "DE", "http://case.example/hook", post=post, err=io.StringIO(), **kw
    )
    d.delivered.load()
    return d


def _message(nid: str) -> Message:
    return Message(
        "t.notifications.DE", 0, 5, codec().encode("Notification", S.notification(nid, "m", "DE", "FR"))
    )


def test_retries_until_a_2xx_with_the_notification_id_as_idempotency_key(tmp_path: Path) -> None:
    post = FakeCaseSystem([500, 0, 429, 204])
    d = _deliverer(post, tmp_path, backoff=Backoff(base=0.001))
    assert d._deliver(_message("n-42")) is True
    assert [c[2] for c in post.calls] == ["n-42"] * 4
    assert post.calls[-1][1] == S.notification("n-42", "m", "DE", "FR")
    assert (d.stats.delivered, d.stats.failed_attempts) == (1, 3)


def test_gives_up_after_max_attempts_without_claiming_delivery(tmp_path: Path) -> None:
    post = FakeCaseSystem([503] * 10)
    d = _deliverer(post, tmp_path, backoff=Backoff(base=0.001, max_attempts=3))
    with pytest.raises(DeliveryError, match="not delivered after 3 attempts: HTTP 503") as info:
        d._deliver(_message("n-1"))
    assert "next `fiulink deliver` run starts with it" in str(info.value)
    assert d.stats.delivered == 0 and len(post.calls) == 3


def test_stop_during_backoff_returns_undelivered(tmp_path: Path) -> None:
    stop = threading.Event()
    post = FakeCaseSystem([500] * 10)
    d = _deliverer(post, tmp_path, backoff=Backoff(base=5.0), stop=stop)
    threading.Timer(0.2, stop.set).start()
    assert d._deliver(_message("n-1")) is False
    assert d.stats.delivered == 0


def test_a_url_that_is_not_http_is_refused() -> None:
    with pytest.raises(FiulinkError, match="not an HTTP URL"):
        Deliverer(Settings(), "DE", "ftp://x")


def test_the_default_retry_policy_is_bounded() -> None:
    b = Backoff()
    assert b.max_attempts == 8
    assert sum(b.delay(n) for n in range(1, b.max_attempts)) == pytest.approx(61.5)


def test_an_answer_that_retrying_cannot_fix_stops_at_once(tmp_path: Path) -> None:
    post = FakeCaseSystem([401, 200])
    d = _deliverer(post, tmp_path, backoff=Backoff(base=0.001))
    with pytest.raises(DeliveryError, match="refused by the case system: HTTP 401 .*not retried"):
        d._deliver(_message("n-1"))
    assert len(post.calls) == 1 and d.stats.delivered == 0


def test_an_id_delivered_before_is_not_posted_again_even_by_a_new_run(tmp_path: Path) -> None:
    post = FakeCaseSystem([])
    first = _deliverer(post, tmp_path)
    assert first._deliver(_message("n-1")) and first._deliver(_message("n-1"))
    assert len(post.calls) == 1 and first.stats.already_delivered == 1
    again = _deliverer(post, tmp_path)  # a restart: the ids come back from the file
    assert again._deliver(_message("n-1")) and again._deliver(_message("n-2"))
    assert [c[2] for c in post.calls] == ["n-1", "n-2"]
    assert first.delivered.path == tmp_path / "deliver" / "t-DE-deliver.delivered"
    assert first.delivered.path.read_text().split() == ["n-1", "n-2"]
    other = _deliverer(post, tmp_path, group="another")  # another group is another delivery
    assert other._deliver(_message("n-1")) and len(post.calls) == 3


def test_the_default_group_is_inside_the_fius_allowed_prefix() -> None:
    assert default_group(Settings(), "FR") == "fiulink-FR-deliver"
    assert default_group(Settings.from_env({"FIULINK_TOPIC_PREFIX": "t."}), "FR") == "t-FR-deliver"


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("X-Api-Key: abc:def", ("X-Api-Key", "abc:def")),
        ("Authorization:Bearer t", ("Authorization", "Bearer t")),
    ],
)
def test_headers_are_name_colon_value(text: str, parsed: tuple[str, str]) -> None:
    assert parse_header(text) == parsed


@pytest.mark.parametrize("text", ["no colon", ": value", "Bad Name: v", "X: a\nInjected: b"])
def test_a_malformed_header_is_refused(text: str) -> None:
    with pytest.raises(FiulinkError, match="not a header"):
        parse_header(text)


class Recorder:
    """A real local HTTP endpoint answering ``status`` and keeping what it received."""

    def __init__(self, status: int = 200) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.received.append((dict(self.headers.items()), body))
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]


@pytest.fixture
def recorder(request: pytest.FixtureRequest) -> Iterator[Recorder]:
    r = Recorder(getattr(request, "param", 200))
    t = threading.Thread(target=r.server.serve_forever, daemon=True)
    t.start()
    yield r
    r.server.shutdown()
    r.server.server_close()


def test_bodies_are_signed_and_extra_headers_sent(recorder: Recorder, tmp_path: Path) -> None:
    d = _deliverer(http_post, tmp_path, secret=b"s3cret", headers={"X-Api-Key": "k-1"})
    d.url = f"http://127.0.0.1:{recorder.port}/hook"
    assert d._deliver(_message("n-7"))
    ((headers, body),) = recorder.received
    assert json.loads(body)["notification_id"] == "n-7"
    assert headers["Idempotency-Key"] == "n-7" and headers["X-Api-Key"] == "k-1"
    want = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert headers["X-Fiulink-Signature"] == want


def test_without_a_secret_there_is_no_signature(recorder: Recorder, tmp_path: Path) -> None:
    d = _deliverer(http_post, tmp_path)
    d.url = f"http://127.0.0.1:{recorder.port}/hook"
    assert d._deliver(_message("n-8"))
    assert "X-Fiulink-Signature" not in recorder.received[0][0]


@pytest.mark.parametrize("recorder", [503], indirect=True)
def test_a_failed_post_keeps_its_reason(recorder: Recorder) -> None:
    answer = http_post(f"http://127.0.0.1:{recorder.port}/", b"{}", {})
    assert answer == Answer(503, "HTTP 503 Service Unavailable") and answer.retryable
    # TLS spoken to a plain-HTTP server
    tls = http_post(f"https://127.0.0.1:{recorder.port}/", b"{}", {}, timeout=5)
    assert tls.status == 0 and tls.reason.startswith("TLS: "), tls
    # nothing listening
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    assert http_post(f"http://127.0.0.1:{closed}/", b"{}", {}) == Answer(0, "connection refused by 127.0.0.1")


def test_dns_and_certificate_failures_are_named() -> None:
    dns = socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    assert (
        _why(dns, "https://case.invalid/x", 10)
        == "DNS lookup of case.invalid failed: Name or service not known"
    )
    cert = ssl.SSLCertVerificationError(1, "certificate verify failed")
    cert.verify_message = "self-signed certificate"
    assert _why(cert, "https://case.example/x", 10) == (
        "TLS: certificate of case.example not accepted: self-signed certificate"
    )
    assert _why(TimeoutError(), "https://case.example/x", 10) == "no answer from case.example within 10s"


class _Refusing:
    def __init__(self, exc: Exception) -> None:
        self.exc = exc

    def poll(self, **_: Any) -> Any:
        raise self.exc


def test_an_authorisation_refusal_is_one_line_naming_the_allowed_groups(tmp_path: Path) -> None:
    from kafka.errors import GroupAuthorizationFailedError, TopicAuthorizationFailedError

    d = _deliverer(FakeCaseSystem([]), tmp_path, group="fiulink-deliver-DE")
    with pytest.raises(FiulinkError) as info:
        d._poll(_Refusing(GroupAuthorizationFailedError("fiulink-deliver-DE")))
    assert str(info.value) == (
        "not allowed to use consumer group 'fiulink-deliver-DE': on the secure broker DE may use only "
        "groups starting with 't-DE-' (the default is 't-DE-deliver')"
    )
    with pytest.raises(FiulinkError, match=r"^not allowed to read t.notifications.DE: log in as DE"):
        d._poll(_Refusing(TopicAuthorizationFailedError()))
