"""An FIU's consent requests and answers, read from Kafka (the decisions: ``streams.core.consent``).

The requests are the ``consent_request`` notifications on the FIU's own notification topic
(``fiulink.notifications.<FIU>``, ``recipient_fiu`` = the FIU whose report the held hit would
reveal); its answers are its own records on ``fiulink.consents.<FIU>``. Both are read to their
end, without a consumer group.
"""

from __future__ import annotations

from collections.abc import Callable

from streams.config import Settings
from streams.core.consent import ConsentState, Record, check_answer, pending, requests_of
from streams.errors import ConfigError

__all__ = ["ConsentState", "check_answer", "pending", "read_state", "requests_of"]


def read_state(settings: Settings, fiu: str, *, timeout: float = 15.0) -> ConsentState:
    """Read ``fiu``'s notifications and consent answers to their end. Both topics must exist."""
    from streams.kafka.topics import existing_topics
    from streams.tail import NotReadableError, read_to_end

    topics = settings.topics
    notes, answers = topics.notification(fiu), topics.consent(fiu)
    known = existing_topics(settings)
    missing = [t for t in (answers, notes) if t not in known]
    if missing:
        raise ConfigError(
            f"no topic {' or '.join(missing)}: {fiu} is not an FIU of the policy, its topics were "
            "not created (`fiulink topics create`), or these credentials may not see them"
        )
    records = read_to_end(settings, notes, timeout=timeout)
    warning = None
    given: dict[str, Record] | None
    try:
        got: dict[str, Record] = {}
        for a in read_to_end(settings, answers, timeout=timeout):
            if a.get("fiu") == fiu:
                got.setdefault(a["match_id"], a)
        given = got
    except NotReadableError:
        given = None
        warning = (
            f"warning: these credentials may not read {answers}, so requests {fiu} already answered "
            "cannot be told apart from open ones"
        )
    return ConsentState(fiu, records, given, warning)


def answer(
    settings: Settings,
    fiu: str,
    match_id: str,
    *,
    grant: bool,
    reason: str | None = None,
    message: str | None = None,
    force: bool = False,
    timeout: float = 15.0,
    warn: Callable[[str], None] | None = None,
) -> Record:
    """Check (unless ``force``), then send ``fiu``'s answer on its own consent topic: what
    ``fiulink consent`` and the workbench do. The hub's worker acts on it and audits the decision.
    ``warn`` is told when the FIU's own answers cannot be read. Returns the record sent."""
    from kafka.errors import KafkaError, TopicAuthorizationFailedError

    from streams.codec import codec
    from streams.core.clock import utcnow
    from streams.errors import BrokerError
    from streams.kafka.clients import producer

    if not force:
        state = read_state(settings, fiu, timeout=timeout)
        if state.warning and warn is not None:
            warn(state.warning)
        check_answer(state, match_id)
    rec = {"match_id": match_id, "fiu": fiu, "granted": grant, "reason": reason, "message": message,
           "created_at": utcnow()}  # fmt: skip
    topic = settings.topics.consent(fiu)
    p = producer(settings, max_block_ms=int(timeout * 1000))
    try:
        p.send(topic, key=match_id.encode(), value=codec().encode("ConsentAnswer", rec)).get(timeout=30)
    except KafkaError as exc:
        denied = isinstance(exc, TopicAuthorizationFailedError)
        raise BrokerError(
            f"could not answer on {topic}: {type(exc).__name__}",
            hint="an FIU answers only for itself: FIULINK_SASL_USERNAME must be that FIU"
            if denied
            else "is the broker up and the topic created (`fiulink topics create`)?",
        ) from exc
    finally:
        p.close()
    return rec
