"""Access control against a real SASL/SCRAM broker with StandardAuthorizer ACLs.

The broker here is our own (not the session's plain one): started and granted through the CLI,
exactly as an operator would (``broker start --secure``, ``topics create --secure``), with FR as
FIU A and DE as FIU B. Every denial is asserted by its specific error (29 topic, 30 group, 31
cluster authorization failed, 58 SASL authentication failed), next to the same call succeeding
for the principal that is allowed, so neither a network error nor an empty topic can pass for a
denial.
"""

from __future__ import annotations

import json
import socket
import stat
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kafka.admin import KafkaAdminClient, UserScramCredentialUpsertion
from kafka.errors import (
    ClusterAuthorizationFailedError,
    GroupAuthorizationFailedError,
    KafkaTimeoutError,
    SaslAuthenticationFailedError,
    TopicAuthorizationFailedError,
)

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from streams.codec import codec
from streams.config import Settings
from streams.errors import BrokerError, ConfigError
from streams.kafka import secure
from streams.kafka.broker import EmbeddedBroker, free_port
from streams.processes import stop_processes
from streams.testing import FIULINK, SecureHub, policy_text, report, started_secure_hub, write_jsonl

A, B = "FR", "DE"
POLICY = policy_text([A, B], auto=[(A, B)])
SEEDED_PER_PARTITION = 1


def _notification(fiu: str, n: int, kind: str = "hit", match_id: str | None = None) -> bytes:
    return codec().encode(
        "Notification",
        {"notification_id": f"n-{fiu}-{n}" + ("" if kind == "hit" else f"-{kind}"), "match_id": match_id or f"m-{n}", "type": kind, "recipient_fiu": fiu,
         "recipient_report_id": None, "counterpart_fiu": None, "counterpart_report_id": None,
         "match_kind": "wallet", "token": None, "confidence": 1.0, "purpose": None, "restrictions": [],
         "created_at": "2026-11-20T10:00:00Z", "source_ts": 0},
    )  # fmt: skip


@pytest.fixture(scope="module")
def secure_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecureHub]:
    with started_secure_hub(tmp_path_factory.mktemp("secure"), POLICY) as hub:
        settings = hub.settings
        # seed every notification and internal topic, so that "nothing read" below means "refused"
        p = KafkaProducer(**hub.conf("hub"))
        topics = settings.topics
        for fiu in (A, B):
            for part in range(settings.partitions):
                p.send(topics.notification(fiu), _notification(fiu, part), partition=part)
        for t in (topics.sightings, topics.matches, topics.audit):
            for part in range(settings.partitions):
                p.send(t, b"hub-only", partition=part)
        p.flush()
        p.close()
        yield hub


def _end(hub: SecureHub, topic: str) -> int:
    """Records in ``topic`` as the hub sees them."""
    c = KafkaConsumer(**hub.conf("hub"))
    try:
        parts = c.partitions_for_topic(topic) or set()
        return sum(c.end_offsets([TopicPartition(topic, p) for p in parts]).values())
    finally:
        c.close()


class _Raw:
    """One TCP connection speaking the Kafka protocol by hand (kafka-python's codec), so that each
    answer of the broker, or its closing the connection instead, is seen exactly."""

    def __init__(self, port: int) -> None:
        from kafka.protocol.parser import KafkaProtocol

        self.proto = KafkaProtocol(client_id="fiulink-probe")
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=15)

    def __enter__(self) -> _Raw:
        return self

    def __exit__(self, *exc: object) -> None:
        self.sock.close()

    def call(self, request: Any) -> Any | None:
        """The answer to ``request``, or None if the broker closed the connection instead."""
        self.proto.send_request(request)
        self.sock.sendall(self.proto.send_bytes())
        while True:
            data = self.sock.recv(65536)
            if not data:
                return None
            done = self.proto.receive_bytes(data)
            if done:
                return done[0][1]


def _raw(port: int, *requests: Any) -> list[Any]:
    """Answers to ``requests`` sent in turn on one unauthenticated connection; None where the
    broker closed the connection instead of answering (and nothing after it)."""
    answers: list[Any] = []
    with _Raw(port) as conn:
        for req in requests:
            answers.append(conn.call(req))
            if answers[-1] is None:
                break
    return answers


def _scram_login(port: int, user: str, password: str) -> int:
    """A SCRAM-SHA-512 login done by hand: the broker's error code (0: logged in; the server's
    signature is then checked too, so 0 cannot come from anything but a real login)."""
    from kafka.net.sasl.scram import ScramClient
    from kafka.protocol.sasl import SaslAuthenticateRequest, SaslHandshakeRequest

    scram = ScramClient(user, password, "SCRAM-SHA-512")
    with _Raw(port) as conn:
        shake = conn.call(SaslHandshakeRequest[1](mechanism="SCRAM-SHA-512"))
        assert shake is not None and shake.error_code == 0, shake
        first = conn.call(SaslAuthenticateRequest[1](auth_bytes=scram.first_message()))
        assert first is not None, "connection closed without an answer"
        if first.error_code:
            return int(first.error_code)
        scram.process_server_first_message(first.auth_bytes)
        final = conn.call(SaslAuthenticateRequest[1](auth_bytes=scram.final_message()))
        assert final is not None, "connection closed without an answer"
        if not final.error_code:
            scram.process_server_final_message(final.auth_bytes)
        return int(final.error_code)


def _grant_read_request(topic: str, principal: str) -> Any:
    from kafka.admin import ACLOperation, ACLPermissionType, ACLResourcePatternType, ResourceType
    from kafka.protocol.admin import CreateAclsRequest

    creation = CreateAclsRequest.AclCreation(
        resource_type=ResourceType.TOPIC, resource_name=topic,
        resource_pattern_type=ACLResourcePatternType.LITERAL, principal=principal, host="*",
        operation=ACLOperation.READ, permission_type=ACLPermissionType.ALLOW,
    )  # fmt: skip
    return CreateAclsRequest[3](creations=[creation])


@pytest.mark.kafka
class TestSecureBroker:
    def test_credentials_are_generated_private_and_distinct(self, secure_hub: SecureHub) -> None:
        broker_dir = secure_hub.settings.home / "broker"
        path = secure.credentials_path(secure_hub.settings)
        for f, mode in ((path, 0o600), (broker_dir / "server.properties", 0o600), (broker_dir, 0o700)):
            assert stat.S_IMODE(f.stat().st_mode) == mode, f
        users = secure.load_credentials(secure_hub.settings)
        assert set(users) == {"hub", A, B}
        assert len(set(users.values())) == 3 and all(len(pw) >= 40 for pw in users.values())
        assert "ANONYMOUS" not in (broker_dir / "server.properties").read_text().split("super.users=")[1]

    def test_fiu_writes_its_feed_and_reads_its_notifications_in_its_group(
        self, secure_hub: SecureHub
    ) -> None:
        topics = secure_hub.settings.topics
        admin = KafkaAdminClient(**secure_hub.conf(A))
        try:  # it sees its own three topics and nothing else
            assert set(admin.list_topics()) == {
                topics.feed(A),
                topics.notification(A),
                topics.consent(A),
                topics.dead_letters_of(A),
            }
        finally:
            admin.close()
        before = _end(secure_hub, topics.feed(A))
        p = KafkaProducer(**secure_hub.conf(A))
        meta = p.send(topics.feed(A), b"report").get(timeout=30)
        p.close()
        assert meta.topic == topics.feed(A) and _end(secure_hub, topics.feed(A)) == before + 1

        group = f"{secure.group_prefix(secure_hub.settings, A)}case-system"
        c = KafkaConsumer(topics.notification(A), group_id=group, auto_offset_reset="earliest",
                          enable_auto_commit=False, **secure_hub.conf(A))  # fmt: skip
        try:
            got: list[Any] = []
            for _ in range(40):
                got += [m for ms in c.poll(timeout_ms=500).values() for m in ms]
                if len(got) >= secure_hub.settings.partitions:
                    break
            c.commit()
        finally:
            c.close()
        ids = {codec().decode(m.value)[1]["notification_id"] for m in got}
        assert ids == {f"n-{A}-{p}" for p in range(secure_hub.settings.partitions)}

    @pytest.mark.parametrize("which", ["notification-B", "sightings", "matches", "audit", "feed-B"])
    def test_fiu_cannot_read_another_fius_or_internal_topics(self, secure_hub: SecureHub, which: str) -> None:
        topics = secure_hub.settings.topics
        topic = {"notification-B": topics.notification(B), "sightings": topics.sightings,
                 "matches": topics.matches, "audit": topics.audit, "feed-B": topics.feed(B)}[which]  # fmt: skip
        if which != "feed-B":
            assert _end(secure_hub, topic) >= SEEDED_PER_PARTITION * secure_hub.settings.partitions
        tps = [TopicPartition(topic, p) for p in range(secure_hub.settings.partitions)]
        c = KafkaConsumer(**secure_hub.conf(A))
        try:
            with pytest.raises(TopicAuthorizationFailedError):
                c.beginning_offsets(tps)
            own = TopicPartition(topics.notification(A), 0)
            assert c.beginning_offsets([own]) == {own: 0}  # the same call on its own topic works
            c.assign(tps)
            c.seek_to_beginning(*tps)
            assert c.poll(timeout_ms=2000) == {}  # records are there (hub sees them), none delivered
        finally:
            c.close()
        admin = KafkaAdminClient(**secure_hub.conf(A))
        try:
            [described] = admin.describe_topics([topic])
            assert described["error_code"] == TopicAuthorizationFailedError.errno
        finally:
            admin.close()

    @pytest.mark.parametrize(
        "which",
        ["feed-B", "consent-B", "notification-A", "notification-B", "sightings", "matches", "watchlist"],
    )
    def test_fiu_cannot_write_another_fius_feed_or_hub_topics(
        self, secure_hub: SecureHub, which: str
    ) -> None:
        topics = secure_hub.settings.topics
        topic = {"feed-B": topics.feed(B), "consent-B": topics.consent(B), "notification-A": topics.notification(A),
                 "notification-B": topics.notification(B), "sightings": topics.sightings,
                 "matches": topics.matches, "watchlist": topics.watchlist}[which]  # fmt: skip
        before = _end(secure_hub, topic)
        allowed = KafkaProducer(**secure_hub.conf(A))  # control: the same principal, its own feed
        assert allowed.send(topics.feed(A), b"allowed").get(timeout=30).topic == topics.feed(A)
        allowed.close()
        p = KafkaProducer(max_block_ms=15000, **secure_hub.conf(A))
        try:
            with pytest.raises(TopicAuthorizationFailedError):
                p.send(topic, b"forged").get(timeout=30)
        finally:
            p.close()
        assert _end(secure_hub, topic) == before

    @pytest.mark.parametrize("group", [f"fiulink-{B}-case-system", "fiulink-hub", "anything"])
    def test_fiu_cannot_use_another_consumer_group(self, secure_hub: SecureHub, group: str) -> None:
        c = KafkaConsumer(secure_hub.settings.topics.notification(A), group_id=group,
                          auto_offset_reset="earliest", **secure_hub.conf(A))  # fmt: skip
        try:
            with pytest.raises(GroupAuthorizationFailedError):
                for _ in range(20):
                    c.poll(timeout_ms=500)
        finally:
            c.close()

    def test_fiu_cannot_grant_itself_access_or_make_users(self, secure_hub: SecureHub) -> None:
        admin = KafkaAdminClient(**secure_hub.conf(A))
        try:
            result = admin.create_acls(secure.fiu_acls(secure_hub.settings, B))
            assert result["succeeded"] == [] and set(result["failed"]) == {ClusterAuthorizationFailedError}
            refused = admin.alter_user_scram_credentials(
                [UserScramCredentialUpsertion(B, "SCRAM-SHA-512", "x")]
            )
            assert refused[B] is not None and "authoriz" in refused[B].lower()
        finally:
            admin.close()

    @pytest.mark.parametrize("user, password", [(A, "not-the-password"), ("XX", "any"), ("hub", "")])
    def test_wrong_or_unknown_credentials_are_refused_by_authentication(
        self, secure_hub: SecureHub, user: str, password: str
    ) -> None:
        port = secure_hub.settings.port
        right = secure.load_credentials(secure_hub.settings)[A]
        assert _scram_login(port, A, right) == 0  # control: the same exchange with the right password
        assert _scram_login(port, user, password) == SaslAuthenticationFailedError.errno
        # and a real client with those credentials gets nowhere (kafka-python retries a refused
        # login until bootstrap_timeout_ms, then reports a timeout; the cause is asserted above)
        bad = {**secure_hub.conf(A), "sasl_plain_username": user, "sasl_plain_password": password}
        with pytest.raises(KafkaTimeoutError):
            KafkaAdminClient(bootstrap_timeout_ms=3000, **bad)

    def test_cli_with_a_wrong_password_says_so(self, secure_hub: SecureHub) -> None:
        env = {**secure_hub.env, "FIULINK_SASL_USERNAME": A, "FIULINK_SASL_PASSWORD": "not-the-password"}
        done = subprocess.run([*FIULINK, "tail", "notifications", "--fiu", A, "--idle-timeout", "1"], env=env,
                              capture_output=True, text=True, timeout=120)  # fmt: skip
        assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
        assert f"as '{A}'" in done.stderr and "refused these SASL credentials" in done.stderr
        assert "FIULINK_SASL_PASSWORD" in done.stderr  # the hint says what to check

    def test_clients_without_sasl_are_refused_on_the_broker_port(self, secure_hub: SecureHub) -> None:
        from kafka.protocol.metadata.api_versions import ApiVersionsRequest
        from kafka.protocol.metadata.metadata import MetadataRequest

        # the broker answers ApiVersions (allowed before SASL), then drops the unauthenticated Metadata
        answers = _raw(secure_hub.settings.port, ApiVersionsRequest[0](), MetadataRequest[1](topics=None))
        assert answers[0] is not None and answers[0].error_code == 0
        assert answers[1:] == [None]

    def test_controller_port_is_not_an_anonymous_back_door(self, secure_hub: SecureHub) -> None:
        from kafka.protocol.metadata.api_versions import ApiVersionsRequest

        info = EmbeddedBroker(secure_hub.settings).info()
        assert info is not None and info.secure
        notif_b = secure_hub.settings.topics.notification(B)
        answers = _raw(
            info.controller_port, ApiVersionsRequest[0](), _grant_read_request(notif_b, f"User:{A}")
        )
        assert answers[0] is not None and answers[0].error_code == 0  # it is the controller listener
        assert answers[1:] == [None]  # CreateAcls without authentication: connection dropped
        c = KafkaConsumer(**secure_hub.conf(A))
        try:
            with pytest.raises(TopicAuthorizationFailedError):
                c.beginning_offsets([TopicPartition(notif_b, 0)])
        finally:
            c.close()

    def test_hub_can_do_everything(self, secure_hub: SecureHub) -> None:
        from kafka.admin import (
            ACLFilter,
            ACLOperation,
            ACLPermissionType,
            ResourcePatternFilter,
            ResourceType,
        )
        from kafka.admin import ACLResourcePatternType as Pattern

        topics, s = secure_hub.settings.topics, secure_hub.settings
        admin = KafkaAdminClient(**secure_hub.conf("hub"))
        try:
            assert set(topics.all([A, B], s.partitions)) <= set(admin.list_topics())
            everything = ACLFilter(principal=None, host=None, operation=ACLOperation.ANY,
                                   permission_type=ACLPermissionType.ANY,
                                   resource_pattern=ResourcePatternFilter(ResourceType.ANY, None, Pattern.ANY))  # fmt: skip
            acls, _ = admin.describe_acls(everything)
            assert set(acls) == set(secure.fiu_acls(s, A) + secure.fiu_acls(s, B))
            assert set(admin.describe_user_scram_credentials()) == {"hub", A, B}
        finally:
            admin.close()
        p = KafkaProducer(**secure_hub.conf("hub"))
        for t in (topics.sightings, topics.notification(B), topics.feed(A)):
            assert p.send(t, b"hub").get(timeout=30).topic == t
        p.close()
        c = KafkaConsumer(**secure_hub.conf("hub"))
        try:
            tp = TopicPartition(topics.notification(B), 0)
            c.assign([tp])
            c.seek_to_beginning(tp)
            got: list[Any] = []
            for _ in range(20):
                got += [m for ms in c.poll(timeout_ms=500).values() for m in ms]
                if got:
                    break
            assert codec().decode(got[0].value)[1]["recipient_fiu"] == B
        finally:
            c.close()

    def test_grant_is_idempotent_and_keeps_passwords(self, secure_hub: SecureHub) -> None:
        before = secure.load_credentials(secure_hub.settings)
        secure.grant_acls(secure_hub.settings, [A, B])
        assert secure.load_credentials(secure_hub.settings) == before
        p = KafkaProducer(**secure_hub.conf(A))  # the re-upserted credential still logs in
        assert p.send(secure_hub.settings.topics.feed(A), b"again").get(timeout=30)
        p.close()

    def test_cli_publishes_and_tails_as_an_fiu(self, secure_hub: SecureHub) -> None:
        own = write_jsonl(secure_hub.tmp / "fr.jsonl", [report(f"{A}-SEC-1", A, names=["Ana Test"])])
        other = write_jsonl(secure_hub.tmp / "de.jsonl", [report(f"{B}-SEC-1", B, names=["Bea Test"])])
        done = secure_hub.cli("publish", str(own), principal=A)
        assert done.returncode == 0, done.stderr
        assert "1 published, 0 rejected" in done.stderr
        done = secure_hub.cli("publish", str(other), principal=A)  # B's feed is invisible to A
        assert done.returncode == 1 and "no feed topic" in done.stderr
        tail = secure_hub.cli("tail", "notifications", "--fiu", A, "--from-beginning", "--idle-timeout", "3",
                              principal=A)  # fmt: skip
        assert tail.returncode == 0, tail.stderr
        got = [json.loads(line) for line in tail.stdout.splitlines()]
        assert {g["recipient_fiu"] for g in got} == {A} and len(got) == secure_hub.settings.partitions
        denied = secure_hub.cli("tail", "notifications", "--fiu", B, "--idle-timeout", "1", principal=A)
        assert denied.returncode == 1 and "no such topic" in denied.stderr and denied.stdout == ""

    def test_fiu_answers_consent_for_itself_only(self, secure_hub: SecureHub) -> None:
        topics = secure_hub.settings.topics
        p = KafkaProducer(**secure_hub.conf("hub"))  # the hub asked A about m-secure-1
        p.send(topics.notification(A), _notification(A, 1, "consent_request", "m-secure-1")).get(timeout=30)
        p.close()
        before = _end(secure_hub, topics.consent(A))
        own = secure_hub.cli("consent", "m-secure-1", "--fiu", A, "--grant", principal=A)
        assert own.returncode == 0, own.stderr
        assert _end(secure_hub, topics.consent(A)) == before + 1
        other = _end(secure_hub, topics.consent(B))
        refused = secure_hub.cli("consent", "m-secure-1", "--fiu", B, "--grant", principal=A)
        assert refused.returncode == 1 and "may not see them" in refused.stderr, refused.stderr
        # past the command's own checks, the broker's ACL refuses the write
        forged = secure_hub.cli("consent", "m-secure-1", "--fiu", B, "--grant", "--force", principal=A)
        assert forged.returncode == 1 and "Traceback" not in forged.stderr, forged.stderr
        assert "TopicAuthorizationFailedError" in forged.stderr and "answers only for itself" in forged.stderr
        assert _end(secure_hub, topics.consent(B)) == other

    def test_worker_runs_as_hub_and_each_fiu_reads_its_own_hit(self, secure_hub: SecureHub) -> None:
        """The worker's own SCRAM path (Faust's SASLCredentials), end to end on the secure broker."""
        env = {**secure_hub.env, "FIULINK_SASL_USERNAME": "hub",
               "FIULINK_SASL_PASSWORD": secure.load_credentials(secure_hub.settings)["hub"]}  # fmt: skip
        log = secure_hub.tmp / "worker.log"
        with log.open("ab") as out:
            worker = subprocess.Popen([*FIULINK, "worker", "--policy", str(secure_hub.tmp / "policy.toml")],
                                      env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
        try:
            for fiu in (A, B):
                feed = write_jsonl(secure_hub.tmp / f"w-{fiu}.jsonl",
                                   [report(f"{fiu}-W-1", fiu, emails=["secure.worker@example.org"])])  # fmt: skip
                assert secure_hub.cli("publish", str(feed), principal=fiu).returncode == 0
            hit: list[dict[str, Any]] = []
            deadline = time.monotonic() + 120
            while not hit and time.monotonic() < deadline:
                assert worker.poll() is None, log.read_text()[-3000:]
                tail = secure_hub.cli("tail", "notifications", "--fiu", B, "--from-beginning", "--idle-timeout",
                                      "3", principal=B)  # fmt: skip
                hit = [n for n in map(json.loads, tail.stdout.splitlines())
                       if n.get("recipient_report_id") == f"{B}-W-1" and n["type"] == "hit"]  # fmt: skip
            assert hit, log.read_text()[-3000:]
            assert hit[0]["counterpart_report_id"] == f"{A}-W-1" and hit[0]["recipient_fiu"] == B
        finally:
            stop_processes([worker])

    def test_restart_keeps_credentials_and_acls(self, secure_hub: SecureHub) -> None:
        """Last in this class: stops and restarts the module's broker (same port, same data)."""
        s = secure_hub.settings
        assert EmbeddedBroker(s).stop()
        info = secure.start_secure(s, s.port)
        assert info.secure and info.bootstrap == s.bootstrap
        p = KafkaProducer(**secure_hub.conf(A))
        try:
            assert p.send(s.topics.feed(A), b"after restart").get(timeout=30).topic == s.topics.feed(A)
            with pytest.raises(TopicAuthorizationFailedError):
                p.send(s.topics.feed(B), b"forged").get(timeout=30)
        finally:
            p.close()


# -- no broker needed --------------------------------------------------------------------------
def test_settings_take_sasl_credentials_from_the_environment() -> None:
    s = Settings.from_env({"FIULINK_SASL_USERNAME": "FR", "FIULINK_SASL_PASSWORD": "pw"})
    assert s.client_options() == {
        "security_protocol": "SASL_PLAINTEXT",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "FR",
        "sasl_plain_password": "pw",
    }
    assert Settings.from_env({}).client_options() == {}
    assert "pw" not in repr(s)  # secrets stay out of logs and tracebacks
    with pytest.raises(ConfigError, match="FIULINK_SASL_PASSWORD"):
        Settings.from_env({"FIULINK_SASL_USERNAME": "FR"})


@pytest.mark.parametrize("name", ["hub", "HUB", "controller", "ANONYMOUS", "F R", "FR,x", ""])
def test_reserved_or_odd_fiu_names_are_refused_before_anything_is_granted(tmp_path: Path, name: str) -> None:
    with pytest.raises(ConfigError, match="cannot be an FIU principal"):
        secure.grant_acls(Settings(home=tmp_path), ["FR", name])
    assert not secure.credentials_path(Settings(home=tmp_path)).exists()


def test_secure_start_refuses_storage_formatted_without_secure(tmp_path: Path) -> None:
    data = tmp_path / "broker" / "data"
    data.mkdir(parents=True)
    (data / "meta.properties").write_text("node.id=1\n")
    with pytest.raises(BrokerError, match="formatted without --secure"):
        secure.start_secure(Settings(home=tmp_path), free_port())
    assert not secure.credentials_path(Settings(home=tmp_path)).exists()


def test_plain_start_refuses_a_home_set_up_with_secure(tmp_path: Path) -> None:
    """Forgetting --secure on a restart must not bring the broker up open (no SASL, no ACLs)."""
    (tmp_path / "broker").mkdir()
    secure.credentials_path(Settings(home=tmp_path)).write_text('{"users": {}}')
    with pytest.raises(BrokerError, match="set up with --secure"):
        EmbeddedBroker(Settings(home=tmp_path)).start(port=free_port())
    assert EmbeddedBroker(Settings(home=tmp_path)).info() is None
