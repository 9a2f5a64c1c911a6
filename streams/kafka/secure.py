"""Access control: SASL/SCRAM-SHA-512 authentication and Kafka ACLs (StandardAuthorizer).

One principal per FIU plus ``hub`` (the hub operator, its workers and snapshotter: a super user).
Passwords are generated here, never chosen by hand, and kept in
``$FIULINK_HOME/broker/credentials.json`` (mode 0600, directory 0700): the hub's at
``fiulink broker start --secure`` (stored in the cluster metadata by ``--add-scram`` when the
storage is formatted), each FIU's the first time ``fiulink topics create --secure`` sees it
(stored with the admin API, AlterUserScramCredentials). An FIU gets its own password from the hub
operator and runs ``fiulink publish`` / ``fiulink tail`` with ``FIULINK_SASL_USERNAME`` and
``FIULINK_SASL_PASSWORD`` set.

Each FIU may write its own feed, read its own notification topic and use consumer groups named
``<group_prefix>`` (``fiulink-<FIU>-…``); nothing else, so not the internal topics, the
changelogs or another FIU's topics (``allow.everyone.if.no.acl.found=false``).
"""

from __future__ import annotations

import json
import os
import re
import secrets
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

from streams.config import Settings
from streams.errors import BrokerError, ConfigError
from streams.kafka.broker import BrokerInfo, EmbeddedBroker

MECHANISM = "SCRAM-SHA-512"
HUB = "hub"
#: The principal of the broker -> controller channel (SASL/PLAIN on the CONTROLLER listener).
CONTROLLER = "controller"
#: Names an FIU may not have: the super users, and Kafka's unauthenticated principal.
RESERVED = {HUB, CONTROLLER, "anonymous"}
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def credentials_path(settings: Settings) -> Path:
    return settings.home / "broker" / "credentials.json"


def _read_file(settings: Settings) -> dict[str, Any]:
    path = credentials_path(settings)
    try:
        raw = json.loads(path.read_text())
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from exc
    return raw if isinstance(raw, dict) else {}


def load_credentials(settings: Settings) -> dict[str, str]:
    """Principal -> password; empty when the broker was never started with ``--secure``."""
    return {str(k): str(v) for k, v in _read_file(settings).get("users", {}).items()}


def save_credentials(settings: Settings, users: dict[str, str], controller: str) -> None:
    """Write atomically, created 0600 (never world-readable, not even for a moment)."""
    path = credentials_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        body = {"mechanism": MECHANISM, "users": users, "controller": {CONTROLLER: controller}}
        json.dump(body, f, indent=2, sort_keys=True)
        f.write("\n")
    os.replace(tmp, path)


def controller_password(settings: Settings) -> str:
    return str(_read_file(settings).get("controller", {}).get(CONTROLLER, ""))


def principal_password(settings: Settings, principal: str) -> str:
    """The password of ``principal`` (``hub`` or an FIU), from the credentials file."""
    users = load_credentials(settings)
    if principal not in users:
        raise ConfigError(
            f"no credentials for {principal!r} in {credentials_path(settings)}",
            hint="start the broker with `fiulink broker start --secure`, then grant the FIUs with "
            "`fiulink topics create --secure --policy FILE`",
        )
    return users[principal]


def group_prefix(settings: Settings, fiu: str) -> str:
    """Consumer groups an FIU may use start with this (``fiulink-FR-`` for FR under ``fiulink.``)."""
    return f"{settings.topic_prefix.rstrip('.')}-{fiu}-"


def server_properties(hub_password: str, controller_password: str) -> str:
    """What ``--secure`` adds to server.properties (the broker listener becomes SASL_PLAINTEXT)."""
    scram = (
        "org.apache.kafka.common.security.scram.ScramLoginModule required "
        f'username="{HUB}" password="{hub_password}";'
    )
    plain = (
        "org.apache.kafka.common.security.plain.PlainLoginModule required "
        f'username="{CONTROLLER}" password="{controller_password}" '
        f'user_{CONTROLLER}="{controller_password}";'
    )
    return f"""\
# -- fiulink --secure ------------------------------------------------------------------------
# Clients (FIUs, hub): SASL/SCRAM-SHA-512 on the SASL_PLAINTEXT listener; the broker's own
# inter-broker client logs in as the hub.
sasl.enabled.mechanisms={MECHANISM}
sasl.mechanism.inter.broker.protocol={MECHANISM}
listener.name.sasl_plaintext.sasl.enabled.mechanisms={MECHANISM}
listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config={scram}
# The CONTROLLER listener (KRaft quorum and broker registration, 127.0.0.1 only) is not left
# PLAINTEXT: there every caller is User:ANONYMOUS, which would have to be a super user for the
# broker to register, and then any local process could create ACLs or SCRAM users through it.
# It uses SASL/PLAIN with one static principal instead (SCRAM is for the broker listener only:
# its credentials live in the metadata log that this very listener serves; see KAFKA-15513).
# This line overrides the listener.security.protocol.map above (the last occurrence wins).
listener.security.protocol.map=CONTROLLER:SASL_PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT
sasl.mechanism.controller.protocol=PLAIN
listener.name.controller.sasl.enabled.mechanisms=PLAIN
listener.name.controller.plain.sasl.jaas.config={plain}
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:{HUB};User:{CONTROLLER}
"""


def _private_file(path: Path) -> None:
    """Create ``path`` empty with mode 0600 so that later writes (which keep the mode) stay private."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    os.fchmod(fd, 0o600)
    os.close(fd)


def start_secure(settings: Settings, port: int | None = None) -> BrokerInfo:
    """Start the embedded broker with SASL/SCRAM and ACLs; make the hub's password on first start."""
    running = EmbeddedBroker(settings).info()
    if running is not None:
        if not running.secure:
            raise BrokerError(
                f"a broker without --secure is already running under {settings.home} (pid {running.pid})",
                hint="stop it with `fiulink broker stop`, then start it again with --secure",
            )
        return running
    broker_dir = settings.home / "broker"
    broker_dir.mkdir(parents=True, exist_ok=True)
    broker_dir.chmod(0o700)
    users = load_credentials(settings)
    controller = controller_password(settings)
    if HUB not in users or not controller:
        if (broker_dir / "data" / "meta.properties").exists():
            raise BrokerError(
                f"the broker storage in {broker_dir / 'data'} was formatted without --secure, "
                "so it holds no credentials for the hub",
                hint="use a fresh FIULINK_HOME, or delete that data directory (all topics with it)",
            )
        users[HUB] = users.get(HUB) or secrets.token_urlsafe(32)
        controller = controller or secrets.token_urlsafe(32)
        save_credentials(settings, users, controller)
    password = users[HUB]
    _private_file(broker_dir / "server.properties")  # it holds both passwords (JAAS configs)
    secured = replace(
        settings.as_principal(HUB, password),
        broker_format_args=(
            *settings.broker_format_args,
            "--add-scram",
            f"{MECHANISM}=[name={HUB},password={password}]",
        ),
    )
    return EmbeddedBroker(secured).start(port=port, secure_config=server_properties(password, controller))


def fiu_acls(settings: Settings, fiu: str) -> list[Any]:
    """The ACLs of one FIU: write its feed and its consent answers (and read them back), read its
    notifications, use its consumer groups."""
    from kafka.admin import (
        ACL,
        ACLOperation,
        ACLPermissionType,
        ACLResourcePatternType,
        ResourcePattern,
        ResourceType,
    )

    topics = settings.topics
    grants = [
        (ResourceType.TOPIC, topics.feed(fiu), ACLResourcePatternType.LITERAL, ACLOperation.WRITE),
        (ResourceType.TOPIC, topics.feed(fiu), ACLResourcePatternType.LITERAL, ACLOperation.DESCRIBE),
        (ResourceType.TOPIC, topics.consent(fiu), ACLResourcePatternType.LITERAL, ACLOperation.WRITE),
        (ResourceType.TOPIC, topics.consent(fiu), ACLResourcePatternType.LITERAL, ACLOperation.DESCRIBE),
        # its own answers: `fiulink consent` tells an answered request from an open one
        (ResourceType.TOPIC, topics.consent(fiu), ACLResourcePatternType.LITERAL, ACLOperation.READ),
        (ResourceType.TOPIC, topics.notification(fiu), ACLResourcePatternType.LITERAL, ACLOperation.READ),
        (ResourceType.TOPIC, topics.notification(fiu), ACLResourcePatternType.LITERAL, ACLOperation.DESCRIBE),
        # what the hub dead-lettered of what it sent
        (ResourceType.TOPIC, topics.dead_letters_of(fiu), ACLResourcePatternType.LITERAL, ACLOperation.READ),
        (
            ResourceType.TOPIC,
            topics.dead_letters_of(fiu),
            ACLResourcePatternType.LITERAL,
            ACLOperation.DESCRIBE,
        ),
        (ResourceType.GROUP, group_prefix(settings, fiu), ACLResourcePatternType.PREFIXED, ACLOperation.READ),
    ]
    return [
        ACL(
            principal=f"User:{fiu}",
            host="*",
            operation=op,
            permission_type=ACLPermissionType.ALLOW,
            resource_pattern=ResourcePattern(rtype, name, pattern),
        )
        for rtype, name, pattern, op in grants
    ]


def _admin_request(admin: Any, request: Any) -> Any:
    """kafka-python 3.0.12 has the client-quota requests but no admin methods for them: send one
    the way its own admin methods do (through its connection manager: ``streams.app.framework``)."""
    from streams.app.framework import admin_manager

    manager = admin_manager(admin)

    async def send() -> Any:
        return await manager.send(request)

    return manager.run(send)


def set_produce_quotas(admin: Any, fius: Iterable[str], rate: int) -> None:
    """Kafka client quotas: each FIU principal may produce ``rate`` bytes/s (the broker delays its
    produce responses beyond that), so one member's flood cannot take the hub's capacity from
    the others; 0 removes the quota. The hub is unthrottled (no quota on its principal)."""
    from kafka.protocol.admin.client_quotas import AlterClientQuotasRequest as Req

    op = Req.EntryData.OpData(key="producer_byte_rate", value=float(rate), remove=rate == 0)
    request = Req(
        entries=[Req.EntryData(entity=[Req.EntryData.EntityData(entity_type="user", entity_name=f)], ops=[op])
                 for f in fius],
        validate_only=False,
    )  # fmt: skip
    response = _admin_request(admin, request)
    failed = {e.entity[0].entity_name: e.error_message for e in response.entries if e.error_code}
    if failed:
        raise BrokerError(f"the broker refused the FIU produce quotas: {failed}")


def describe_produce_quotas(admin: Any) -> dict[str, float]:
    """Every user's ``producer_byte_rate`` as the broker holds it."""
    from kafka.protocol.admin.client_quotas import DescribeClientQuotasRequest as Req

    response = _admin_request(admin, Req(components=[], strict=False))  # every quota entity
    return {
        e.entity[0].entity_name: v.value
        for e in response.entries or []
        if len(e.entity) == 1 and e.entity[0].entity_type == "user"
        for v in e.values
        if v.key == "producer_byte_rate"
    }


def check_fiu(fiu: str) -> None:
    if not _NAME.match(fiu) or fiu.lower() in RESERVED:
        raise ConfigError(
            f"{fiu!r} cannot be an FIU principal",
            hint="FIU codes are letters, digits, '-' or '_' and may not be 'hub', 'controller' or 'ANONYMOUS'",
        )


def grant_acls(settings: Settings, fius: Iterable[str]) -> list[Any]:
    """Give each FIU a SCRAM credential (new password on first sight) and its ACLs; idempotent.
    Acts as the hub, with the password from the credentials file. Returns the ACLs granted."""
    from kafka.admin import UserScramCredentialUpsertion
    from kafka.errors import KafkaError

    from streams.kafka.topics import admin_client

    fius = sorted(set(fius))
    for fiu in fius:
        check_fiu(fiu)
    hub = settings.as_principal(HUB, principal_password(settings, HUB))
    users = load_credentials(settings)
    new = {fiu: secrets.token_urlsafe(32) for fiu in fius if fiu not in users}
    if new:
        users.update(new)
        save_credentials(settings, users, controller_password(settings))
    acls = [acl for fiu in fius for acl in fiu_acls(settings, fiu)]
    admin = admin_client(hub)
    try:
        # Upsert every FIU, not only new ones: the broker then holds what the file says even
        # after its storage was recreated.
        upserts = [UserScramCredentialUpsertion(fiu, MECHANISM, users[fiu]) for fiu in fius]
        failed = {
            u: e for u, e in (admin.alter_user_scram_credentials(upserts) if upserts else {}).items() if e
        }
        if failed:
            raise BrokerError(f"the broker refused SCRAM credentials: {failed}")
        result = admin.create_acls(acls) if acls else {"failed": []}
        if result["failed"]:
            raise BrokerError(f"the broker refused ACLs: {result['failed']}")
        set_produce_quotas(admin, fius, settings.fiu_produce_rate)
    except KafkaError as exc:
        raise BrokerError(
            f"granting FIU access failed: {exc}",
            hint="is the broker running with --secure under this FIULINK_HOME?",
        ) from exc
    finally:
        admin.close()
    return acls
