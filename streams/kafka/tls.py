"""TLS for the broker listener (SASL_SSL): a local certificate authority, broker certificates,
the client options that trust them, and one clear message when a TLS handshake fails.

Certificates are made with the ``cryptography`` package (EC P-256, SHA-256), never by hand.
Under ``$FIULINK_HOME/broker/tls``: ``ca.pem`` (give it to every client: FIULINK_SSL_CAFILE),
``ca.key`` (mode 0600, stays with the hub operator), ``node-N.pem`` (each broker's key and
certificate, 0600) and ``hub.pem``/``hub.key`` (a client certificate for mutual TLS). The broker
requests a client certificate (``ssl.client.auth=requested``): a client that shows one must show
one signed by this CA; authentication stays SASL/SCRAM, so FIUs need no certificate of their own.
With ``--mtls`` it requires one (``required``): ``fiu-<FIU>.crt``/``.key`` from
``fiulink broker client-cert --fiu XX`` (``client_cert``). The KRaft controller listener speaks
TLS too (SASL_SSL), with the same certificates.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import os
import socket
import ssl
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from streams.errors import BrokerError

CA_DAYS = 3650
LEAF_DAYS = 825


def tls_dir(home: Path) -> Path:
    return home / "broker" / "tls"


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to a new file created 0600."""
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def _name(common_name: str) -> Any:
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "fiulink hub"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _key_pem(key: Any) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return key.private_bytes(  # PKCS#8, unencrypted: what Kafka's PEM key store reads
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def ensure_ca(home: Path) -> Path:
    """The hub's CA (made once); returns ``ca.pem``."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    d = tls_dir(home)
    ca_pem, ca_key = d / "ca.pem", d / "ca.key"
    if ca_pem.exists() and ca_key.exists():
        return ca_pem
    d.mkdir(parents=True, exist_ok=True)
    d.chmod(0o700)
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    name = _name("fiulink hub CA")
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=CA_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    write_private(ca_key, _key_pem(key))
    ca_pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return ca_pem


def issue(
    home: Path, name: str, *, server: bool, hosts: tuple[str, ...] = ("127.0.0.1", "localhost")
) -> Path:
    """A certificate for ``name`` signed by the hub's CA: ``<name>.pem`` holds the key and the
    certificate (Kafka's PEM key store), ``<name>.crt`` / ``<name>.key`` the two apart (clients).
    A server certificate names ``hosts`` (IP addresses and DNS names) so clients can verify them."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID

    d = tls_dir(home)
    ca_pem = ensure_ca(home)
    out = d / f"{name}.pem"
    if out.exists():
        return out
    ca_cert = x509.load_pem_x509_certificate(ca_pem.read_bytes())
    ca_key = serialization.load_pem_private_key((d / "ca.key").read_bytes(), password=None)
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    sans: list[x509.GeneralName] = []
    for h in hosts:
        try:
            sans.append(x509.IPAddress(ipaddress.ip_address(h)))
        except ValueError:
            sans.append(x509.DNSName(h))
    usage = (
        [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
        if server
        else [ExtendedKeyUsageOID.CLIENT_AUTH]
    )
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(name))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=LEAF_DAYS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage(usage), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_cert.public_key()),  # type: ignore[arg-type]
            critical=False,
        )
    )
    if server:
        builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    cert = builder.sign(ca_key, hashes.SHA256())  # type: ignore[arg-type]
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    write_private(d / f"{name}.key", _key_pem(key))
    (d / f"{name}.crt").write_bytes(cert_pem)
    write_private(out, _key_pem(key) + cert_pem)
    return out


def client_cert(home: Path, fiu: str) -> tuple[Path, Path]:
    """(certificate, key) of ``fiu``'s client certificate, signed by the hub's CA (made once)."""
    if not (tls_dir(home) / "ca.key").exists():
        raise BrokerError(
            f"no hub CA under {tls_dir(home)}",
            hint="run this where the hub's broker was started with `fiulink broker start --secure --tls` "
            "(same FIULINK_HOME)",
        )
    issue(home, f"fiu-{fiu}", server=False)
    return tls_dir(home) / f"fiu-{fiu}.crt", tls_dir(home) / f"fiu-{fiu}.key"


def server_properties(
    home: Path,
    node: int,
    listener: str = "SASL_SSL",
    mtls: bool = False,
    *,
    name: str | None = None,
    hosts: tuple[str, ...] = ("127.0.0.1", "localhost"),
    mount: Path | None = None,
) -> str:
    """What ``--tls`` adds to a node's server.properties: its PEM key store (certificate ``name``
    for ``hosts``) and the CA, as paths under ``mount`` if the broker sees the TLS directory
    there (a container); with ``mtls`` every client (and broker) must show a certificate."""
    keystore = issue(home, name or f"node-{node}", server=True, hosts=hosts)
    issue(home, "hub", server=False)  # a client certificate for mutual TLS
    ca = tls_dir(home) / "ca.pem"
    if mount is not None:
        keystore, ca = mount / keystore.name, mount / ca.name
    return f"""\
# -- fiulink --tls ---------------------------------------------------------------------------
# The {listener} and CONTROLLER listeners (clients, brokers and controllers between them) speak
# TLS 1.2+ with a certificate from the hub's CA ({ca}); brokers and
# controllers verify each other's host names and show their own certificate as clients.
ssl.keystore.type=PEM
ssl.keystore.location={keystore}
ssl.truststore.type=PEM
ssl.truststore.location={ca}
# On SASL listeners only the listener-prefixed ssl.client.auth counts (KIP-684).
listener.name.{listener.lower()}.ssl.client.auth={"required" if mtls else "requested"}
listener.name.controller.ssl.client.auth={"required" if mtls else "requested"}
ssl.enabled.protocols=TLSv1.3,TLSv1.2
ssl.endpoint.identification.algorithm=https
"""


# -- clients ---------------------------------------------------------------------------------
def ssl_context(client: Mapping[str, Any]) -> ssl.SSLContext | None:
    """An SSLContext from kafka-python style options (for Faust/aiokafka), or None without TLS."""
    cafile = client.get("ssl_cafile")
    if not cafile:
        return None
    ctx = ssl.create_default_context(cafile=cafile)
    if client.get("ssl_certfile"):
        ctx.load_cert_chain(client["ssl_certfile"], client.get("ssl_keyfile"))
    return ctx


def diagnose(bootstrap: str, client: Mapping[str, Any], timeout: float = 3.0) -> str | None:
    """Why a TLS-related connection failed, in one sentence, or None if TLS is not the problem:
    a client without TLS at a TLS listener, a TLS client at a plaintext one, or a broker
    certificate the configured CA did not sign."""
    host, _, port = bootstrap.split(",")[0].strip().rpartition(":")
    try:
        raw = socket.create_connection((host, int(port)), timeout=timeout)
    except (OSError, ValueError):
        return None  # nobody listens: not a TLS problem
    with raw:
        probe = ssl.create_default_context()
        probe.check_hostname = False
        probe.verify_mode = ssl.CERT_NONE
        try:
            with probe.wrap_socket(raw, server_hostname=host):
                speaks_tls = True
        except ssl.SSLError as exc:  # an alert is the broker speaking TLS (TLS 1.2 refusing no cert)
            speaks_tls = "ALERT" in (exc.reason or "")
        except OSError:
            speaks_tls = False
    cafile = client.get("ssl_cafile")
    if speaks_tls and not cafile:
        return (
            f"the broker at {host}:{port} requires TLS, and this client does not use it "
            "(set FIULINK_SSL_CAFILE to the hub's ca.pem)"
        )
    if not speaks_tls and cafile:
        return f"the broker at {host}:{port} does not speak TLS, yet FIULINK_SSL_CAFILE is set"
    if not cafile:
        return None
    try:
        ctx = ssl_context(client)
        assert ctx is not None
        with (
            socket.create_connection((host, int(port)), timeout=timeout) as s,
            ctx.wrap_socket(s, server_hostname=host) as tls,
        ):
            # TLS 1.3: the broker refuses a client certificate (or its absence) only after the
            # handshake, with an alert; a broker that accepted waits for a request instead.
            tls.settimeout(1.0)
            with contextlib.suppress(TimeoutError):
                tls.recv(1)
            return None
    except ssl.SSLCertVerificationError as exc:
        return (
            f"the broker's TLS certificate at {host}:{port} failed verification against "
            f"FIULINK_SSL_CAFILE={cafile}: {exc.verify_message} (is it the hub's ca.pem?)"
        )
    except ssl.SSLError as exc:
        if client.get("ssl_certfile"):
            if "CERTIFICATE" in (exc.reason or "") or "UNKNOWN_CA" in (exc.reason or ""):
                return (
                    f"the broker at {host}:{port} refused this client's certificate "
                    f"(FIULINK_SSL_CERTFILE={client['ssl_certfile']}: {exc.reason}); it must be "
                    "signed by the hub's CA"
                )
        elif "CERTIFICATE" in (exc.reason or "") or "HANDSHAKE_FAILURE" in (exc.reason or ""):
            return (
                f"the broker at {host}:{port} requires a client certificate (mutual TLS), and this "
                "client shows none (set FIULINK_SSL_CERTFILE and FIULINK_SSL_KEYFILE: the hub "
                "operator makes them with `fiulink broker client-cert --fiu XX`)"
            )
        return f"the TLS handshake with {host}:{port} failed: {exc}"
    except OSError as exc:
        return f"the TLS handshake with {host}:{port} failed: {exc}"


def refused(bootstrap: str, client: Mapping[str, Any], exc: Exception) -> BrokerError | None:
    """The one-line error for a TLS failure behind ``exc``, or None when TLS is not the cause."""
    why = diagnose(bootstrap, client)
    if why is None:
        return None
    return BrokerError(
        f"cannot connect to Kafka: {why} ({type(exc).__name__})",
        hint="FIULINK_SSL_CAFILE: the hub operator's $FIULINK_HOME/broker/tls/ca.pem; "
        "FIULINK_SSL_CERTFILE/FIULINK_SSL_KEYFILE: your client certificate and key (mutual TLS)",
    )
