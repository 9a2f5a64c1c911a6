"""An FIU's consent requests and answers, read from Kafka (the decisions: ``streams.core.consent``).

The requests are the ``consent_request`` notifications on the FIU's own notification topic
(``fiulink.notifications.<FIU>``, ``recipient_fiu`` = the FIU whose report the held hit would
reveal); its answers are its own records on ``fiulink.consents.<FIU>``. Both are read to their
end, without a consumer group.
"""

from __future__ import annotations

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
