"""Every use of a Faust, aiokafka or kafka-python private attribute, in this one module.

The worker relies on a few internals of the pinned versions (faust-streaming 0.15.3, aiokafka
0.14.0, kafka-python 3.0.12) where the public API has no equivalent:

* RocksDB partition databases of a Faust table (``Store._db_for_partition``, ``Store._dbs``):
  ``BatchTable`` writes a batch per partition database (``streams.app.state``);
* the running aiokafka producer and its metadata wait and default partitioner
  (``Producer._ensure_producer``, ``AIOKafkaClient._wait_on_metadata``,
  ``AIOKafkaProducer._partition``): ``BatchSender`` (``streams.app.send``);
* the Faust consumer's offset bookkeeping, replaced by ``HardenedConsumer``
  (``streams.app.offsets``, which subclasses it) and whether the app's consumer exists yet;
* its fetch loop (``Consumer._drain_messages``, and mode's ``Service._stopped`` it checks),
  replaced by ``FetchConsumer`` (``streams.app.fetches``) to hand over whole fetches;
* the aiokafka settings Faust gives its producer (``Producer._settings_extra``), extended with
  idempotence (Faust turns it on only inside transactions): ``idempotent_producer``;
* kafka-python's producer sender thread, stopped by the publisher when acks cannot come
  (``KafkaProducer._sender``, ``streams.publish``);
* kafka-python's admin connection manager for the client-quota requests it has no method for
  (``streams.kafka.secure``).

:func:`check` verifies, once at worker start, that each of them exists and fails with a
``ConfigError`` naming the missing one otherwise (the decompression guard checks its own seams
in ``streams.app.batches.install``). Ruff's private-member rule (SLF001) is on everywhere else.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from streams.errors import ConfigError

PINNED = {"faust": "faust-streaming 0.15.3", "aiokafka": "aiokafka 0.14.0", "kafka": "kafka-python 3.0.12",
          "mode": "mode-streaming 0.7.1"}  # fmt: skip


def _set_in_init(cls: type, name: str) -> bool:
    """Whether ``cls.__init__`` (or a base class's) assigns ``self.<name>``."""
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        code = getattr(init, "__code__", None)
        if code is not None and name in code.co_names:
            return True
    return False


def _touchpoints() -> list[tuple[str, type, str, bool]]:
    """(library, class, attribute, is it an instance attribute set in __init__)."""
    import faust
    from aiokafka import AIOKafkaProducer
    from aiokafka.client import AIOKafkaClient
    from faust.stores.rocksdb import Store as RocksDBStore
    from faust.transport.consumer import Consumer
    from faust.transport.drivers.aiokafka import Producer
    from kafka.admin import KafkaAdminClient
    from mode import Service

    from kafka import KafkaProducer

    return [
        ("faust", RocksDBStore, "_db_for_partition", False),
        ("faust", RocksDBStore, "_dbs", True),
        ("faust", Producer, "_ensure_producer", False),
        ("faust", faust.App, "_consumer", False),
        ("faust", Consumer, "_read_offset", True),
        ("faust", Consumer, "_acked", True),
        ("faust", Consumer, "_acked_index", True),
        ("faust", Consumer, "_committed_offset", True),
        ("faust", Consumer, "_is_changelog_tp", False),
        ("faust", Consumer, "_new_offset", False),
        ("faust", Consumer, "_drain_messages", False),
        ("faust", Consumer, "_commit_every", True),
        ("faust", Consumer, "_n_acked", False),
        ("mode", Service, "_stopped", True),
        ("aiokafka", AIOKafkaClient, "_wait_on_metadata", False),
        ("aiokafka", AIOKafkaProducer, "_partition", False),
        ("faust", Producer, "_settings_extra", False),
        ("kafka", KafkaAdminClient, "_manager", True),
        ("kafka", KafkaProducer, "_sender", True),
    ]


def check() -> None:
    """Raise ConfigError naming every private attribute the worker relies on that the installed
    libraries no longer have."""
    missing = [
        f"{cls.__module__}.{cls.__qualname__}.{name} ({PINNED[lib]})"
        for lib, cls, name, in_init in _touchpoints()
        if not (_set_in_init(cls, name) if in_init else hasattr(cls, name))
    ]
    if missing:
        raise ConfigError(
            f"the installed stream libraries changed: {', '.join(missing)} is gone",
            hint="install the pinned versions (`make setup`)",
        )


# -- Faust tables (RocksDB) ---------------------------------------------------------------------
def is_rocksdb(store: Any) -> bool:
    from faust.stores.rocksdb import Store as RocksDBStore

    return isinstance(store, RocksDBStore)


def partition_db(store: Any, partition: int) -> Any:
    """The RocksDB database of one partition of a table's store (opened if need be)."""
    return store._db_for_partition(partition)


def partition_dbs(store: Any) -> dict[int, Any]:
    """The RocksDB databases the store has open, by partition."""
    return dict(store._dbs)


# -- the producer -------------------------------------------------------------------------------
def running_producer(app: Any) -> Any:
    """The aiokafka producer the Faust app started with the worker."""
    return app.producer._ensure_producer()


async def wait_on_metadata(aio: Any, topic: str) -> None:
    """Until the producer has the topic's metadata (what ``send`` awaits first)."""
    await aio.client._wait_on_metadata(topic)


def default_partition(aio: Any, topic: str, key: bytes | None, value: bytes | None) -> int:
    """Where ``send`` would put a keyed record without a partition (the producer's partitioner)."""
    return int(aio._partition(topic, None, None, None, key, value))


# -- the consumer -------------------------------------------------------------------------------
def has_consumer(app: Any) -> bool:
    """Whether the app's consumer was created already (its class can no longer be swapped)."""
    return app._consumer is not None


def stopped(service: Any) -> Callable[[], bool]:
    """Whether a mode Service (the consumer, its fetcher) was stopped: what Faust's own
    ``_drain_messages`` checks before every fetch (``streams.app.fetches`` replaces it)."""
    return service._stopped.is_set  # type: ignore[no-any-return]


# -- kafka-python admin -------------------------------------------------------------------------
def admin_manager(admin: Any) -> Any:
    """The connection manager a ``KafkaAdminClient`` sends its own requests through."""
    return admin._manager


def producer_sender(producer: Any) -> Any:
    """kafka-python's sender thread of ``producer`` (None if it has none)."""
    return getattr(producer, "_sender", None)


def idempotent_producer() -> type:
    """Faust's aiokafka Producer with ``acks=all`` and idempotence on outside transactions too:
    at least once with retries must not write a batch twice or out of order after a leader change."""
    from faust.transport.drivers.aiokafka import Producer

    class IdempotentProducer(Producer):  # type: ignore[misc,valid-type]
        def _settings_extra(self) -> Any:
            return {**super()._settings_extra(), "acks": "all", "enable_idempotence": True}

    return IdempotentProducer
