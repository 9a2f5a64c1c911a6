"""The workbench's consent action on the secure broker (SASL/SCRAM, ACLs): the page's server holds
no FIU's rights of its own, it answers as the logged-in FIU's principal, and the checks of
`fiulink consent` hold (a second answer, or another FIU's request, is refused)."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from pathlib import Path

from kafka import KafkaProducer
from streams.codec import codec
from streams.snapshot import samples as S
from streams.testing import started_secure_hub
from streams.ui.testing import serving
from streams.ui.users import UserStore, users_path

POLICY = 'fius = ["FR", "NL"]\ndefault = "deny"\n\n[[agreement]]\nfius = ["FR", "NL"]\nmode = "consent"\n'


def _post(url: str, user: str, password: str, body: dict[str, object]) -> tuple[int, dict[str, object]]:
    auth = base64.b64encode(f"{user}:{password}".encode()).decode()
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                 headers={"Authorization": f"Basic {auth}", "Content-Type": "application/json"})  # fmt: skip
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_consent_from_the_workbench_goes_as_the_fius_principal(tmp_path: Path) -> None:
    with started_secure_hub(tmp_path, POLICY) as hub:
        p = KafkaProducer(**hub.conf("hub"))
        for fiu, other in (("FR", "NL"), ("NL", "FR")):
            note = {**S.notification(f"n-{fiu}", "m-1", fiu, other), "type": "consent_request"}
            p.send(hub.settings.topics.notification(fiu), key=note["notification_id"].encode(),
                   value=codec().encode("Notification", note))  # fmt: skip
        p.flush()
        p.close()
        store = UserStore(users_path(hub.settings))
        fr, nl = store.add("fr", fiu="FR"), store.add("nl", fiu="NL")
        assert hub.settings.sasl_username is None  # the server itself has no SASL login
        with serving(hub.settings) as url:
            status, body = _post(f"{url}/api/consent/m-1", "fr", fr, {"grant": True, "reason": "ok"})
            assert status == 202, body
            status, body = _post(f"{url}/api/consent/m-1", "fr", fr, {"grant": False})
            assert status == 409 and "already answered" in str(body["error"])
            status, body = _post(f"{url}/api/consent/m-2", "nl", nl, {"grant": True})
            assert status == 409 and "unknown match m-2 for NL" in str(body["error"])
        tail = hub.cli("tail", hub.settings.topics.consent("FR"), "--from-beginning", "--idle-timeout", "3",
                       principal="hub")  # fmt: skip
        answers = [json.loads(line) for line in tail.stdout.splitlines()]
        assert [(a["match_id"], a["fiu"], a["granted"], a["reason"]) for a in answers] == [
            ("m-1", "FR", True, "ok")
        ]
