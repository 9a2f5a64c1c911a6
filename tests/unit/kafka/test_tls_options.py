"""TLS client options from the environment, certificates from the hub's CA, and the cluster's
durability rule; no broker needed (the TLS refusals are tested against one in
tests/integration/test_tls.py)."""

from __future__ import annotations

import socket
import ssl
import threading
from pathlib import Path

import pytest

from streams.config import Settings
from streams.errors import ConfigError
from streams.kafka.cluster import durability
from streams.kafka.tls import diagnose, ensure_ca, issue, ssl_context, tls_dir


def test_durability_three_copies_two_to_acknowledge_from_three_nodes() -> None:
    assert [durability(n) for n in (1, 2, 3, 5)] == [(1, 1), (2, 1), (3, 2), (3, 2)]


def client_options(env: dict[str, str], sasl: bool) -> dict[str, object]:
    """The kafka-python options Settings makes of this environment (as the CLI does)."""
    user = {"FIULINK_SASL_USERNAME": "FR", "FIULINK_SASL_PASSWORD": "pw"} if sasl else {}
    return Settings.from_env({**env, **user}).client_options()


def test_no_ca_no_tls_and_half_a_client_certificate_is_refused(tmp_path: Path) -> None:
    assert client_options({}, sasl=True)["security_protocol"] == "SASL_PLAINTEXT"
    assert client_options({}, sasl=False) == {}
    ca = ensure_ca(tmp_path)
    assert client_options({"FIULINK_SSL_CAFILE": str(ca)}, sasl=True)["security_protocol"] == "SASL_SSL"
    assert client_options({"FIULINK_SSL_CAFILE": str(ca)}, sasl=False)["security_protocol"] == "SSL"
    with pytest.raises(ConfigError, match="both"):
        client_options({"FIULINK_SSL_CAFILE": str(ca), "FIULINK_SSL_CERTFILE": str(ca)}, sasl=True)
    with pytest.raises(ConfigError, match="FIULINK_SSL_CAFILE is not"):
        client_options({"FIULINK_SSL_KEYFILE": "k"}, sasl=True)
    with pytest.raises(ConfigError, match="no such file"):
        client_options({"FIULINK_SSL_CAFILE": str(tmp_path / "missing.pem")}, sasl=True)


def test_keys_are_private_and_a_server_certificate_verifies_against_the_ca(tmp_path: Path) -> None:
    pem = issue(tmp_path, "node-1", server=True)
    d = tls_dir(tmp_path)
    assert {p.name: p.stat().st_mode & 0o777 for p in (d / "ca.key", d / "node-1.key", pem)} == {
        "ca.key": 0o600, "node-1.key": 0o600, "node-1.pem": 0o600}  # fmt: skip
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(d / "node-1.crt", d / "node-1.key")
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve() -> None:
        for _ in range(3):  # the check above, then diagnose: a probe and a verifying handshake
            conn, _ = listener.accept()
            try:
                with server.wrap_socket(conn, server_side=True) as s:
                    s.recv(1)
            except (ssl.SSLError, OSError):
                pass

    threading.Thread(target=serve, daemon=True).start()
    try:
        ctx = ssl_context({"ssl_cafile": str(d / "ca.pem")})
        assert ctx is not None
        with (
            socket.create_connection(("127.0.0.1", port)) as raw,
            ctx.wrap_socket(raw, server_hostname="127.0.0.1"),
        ):
            pass  # the certificate names 127.0.0.1 and chains to the CA
        other = ensure_ca(tmp_path / "other")
        why = diagnose(f"127.0.0.1:{port}", {"ssl_cafile": str(other)})
        assert why is not None and "failed verification" in why
    finally:
        listener.close()
