"""Topic names and creation. Every topic the hub uses, with partitions and cleanup policy:

| topic                           | partitions | cleanup | key              |
|---------------------------------|------------|---------|------------------|
| fiulink.reports.<FIU>           | P          | delete  | report_id        |
| fiulink.sightings               | P          | delete  | first token      |
| fiulink.matches                 | P          | delete  | match_id         |
| fiulink.consents.<FIU>          | P          | delete  | match_id         |
| fiulink.notifications.<FIU>     | P          | delete  | notification_id  |
| fiulink.audit                   | P          | delete  | decision_id      |
| fiulink.dead-letter             | 1          | delete  | source           |
| fiulink.dead-letter.<FIU>       | 1          | delete  | source           |
| fiulink.watchlist               | P          | compact | wallet token     |
| fiulink.subjects                | P          | delete  | blocking key     |

P is ``Settings.partitions`` (8): the worker's tables are co-partitioned with their sources, so
every topic a table is keyed by must have exactly P partitions. The tables' changelogs
(``<app id>-tokens-changelog``, ``-links-changelog``, ``-postings-changelog``: P partitions, compacted) are created here
too, before any worker starts (``changelog_topics``). The names themselves: ``streams.topics``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable

from streams.config import Settings


def admin_client(settings: Settings):  # type: ignore[no-untyped-def]
    from kafka.admin import KafkaAdminClient
    from kafka.errors import KafkaError

    from streams.kafka.clients import connect, unreachable

    conf = {
        "bootstrap_servers": settings.bootstrap,
        "request_timeout_ms": 15000,
        "client_id": "fiulink-admin",
        **settings.client_options(),
    }
    try:
        return connect(settings, KafkaAdminClient, conf)
    except KafkaError as exc:
        raise unreachable(settings, exc) from exc


TABLES = ("tokens", "links", "postings")


def changelog_topics(settings: Settings) -> list[str]:
    """The worker's Faust table changelogs (compacted), created up front so that Faust never
    meets a source topic before its changelog (its partition check races topic creation)."""
    return [f"{settings.app_id}-{t}-changelog" for t in TABLES]


def create_topics(
    settings: Settings, fius: Iterable[str], replication_factor: int | None = None
) -> tuple[list[str], list[str]]:
    """Create what is missing, changelogs included; return (created, already there). Idempotent.
    The replication factor is the one given, else FIULINK_REPLICATION_FACTOR, else automatic: three
    replicas and ``min.insync.replicas`` 2 from three brokers on, one on a single broker
    (``streams.kafka.cluster.durability``)."""
    wanted = settings.topics.all(fius, settings.partitions)
    wanted.update(dict.fromkeys(changelog_topics(settings), settings.partitions))
    return ensure_topics(settings, wanted, replication_factor)


def ensure_topics(
    settings: Settings, wanted: dict[str, int], replication_factor: int | None = None
) -> tuple[list[str], list[str]]:
    """Create those of ``wanted`` (name -> partitions) that are missing, with the cluster's
    durability; changelogs and the watchlist compacted. Returns (created, already there)."""
    replication_factor = replication_factor or settings.replication_factor
    from kafka.errors import TopicAlreadyExistsError

    from streams.kafka.cluster import durability

    compact = {*changelog_topics(settings), settings.topics.watchlist}
    admin = admin_client(settings)
    try:
        existing = set(admin.list_topics())
        missing = {t: p for t, p in wanted.items() if t not in existing}
        rf, isr = durability(len(admin.describe_cluster()["brokers"]))
        if replication_factor:
            rf, isr = replication_factor, min(isr, replication_factor)
        if missing:
            spec = {
                t: {
                    "num_partitions": p,
                    "replication_factor": rf,
                    "configs": {"min.insync.replicas": str(isr)}
                    | ({"cleanup.policy": "compact"} if t in compact else {}),
                }
                for t, p in missing.items()
            }
            with contextlib.suppress(TopicAlreadyExistsError):
                admin.create_topics(spec, wait_for_metadata=True)
        return sorted(missing), sorted(set(wanted) - set(missing))
    finally:
        admin.close()


def existing_topics(settings: Settings, attempts: int = 5) -> set[str]:
    """Topic names; a broker of the cluster that is down is tried around (another answers)."""
    from kafka.errors import KafkaConnectionError, KafkaError

    admin = admin_client(settings)
    try:
        for attempt in range(attempts):
            try:
                return set(admin.list_topics())
            except KafkaConnectionError:
                if attempt == attempts - 1:
                    raise
        raise AssertionError("unreachable")
    except KafkaError as exc:
        from streams.kafka.clients import unreachable

        raise unreachable(settings, exc) from exc
    finally:
        admin.close()


def check_partitions(settings: Settings, fius: Iterable[str]) -> None:
    """Every topic a table is keyed by, and every changelog, has exactly ``settings.partitions``
    partitions (Faust writes a changelog to the source event's partition number)."""
    from streams.errors import ConfigError
    from streams.kafka.clients import consumer

    names = settings.topics
    wanted = [names.sightings, names.matches, names.watchlist, names.subjects, *changelog_topics(settings)]
    wanted += [t for f in fius for t in (names.feed(f), names.consent(f))]
    from kafka.errors import KafkaConnectionError

    c = consumer(settings)
    try:
        for attempt in range(5):  # a broker of the cluster that is down: another answers next time
            try:
                c.topics()  # a full metadata refresh
                wrong = {t: len(c.partitions_for_topic(t) or ()) for t in wanted}
                break
            except KafkaConnectionError as exc:
                if attempt == 4:
                    from streams.kafka.clients import unreachable

                    raise unreachable(settings, exc) from exc
    finally:
        c.close()
    wrong = {t: n for t, n in wrong.items() if n != settings.partitions}
    if wrong:
        raise ConfigError(
            f"topics without exactly {settings.partitions} partitions: {wrong}",
            hint="recreate them with `fiulink topics create` (the worker's tables need equal partition counts)",
        )
