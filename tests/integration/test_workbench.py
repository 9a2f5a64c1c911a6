"""The workbench over a real snapshot: reports published to the real broker, a worker, `fiulink
snapshot --once`, then the pages in Debian's Chromium (Playwright, no browser download) and the
JSON API over HTTP. Screenshots go to out/screenshots/ (paths in the test output)."""

from __future__ import annotations

import base64
import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from streams.config import PROJECT_ROOT
from streams.testing import Hub, report, write_jsonl
from streams.ui.testing import serving
from streams.ui.users import UserStore, users_path

CHROMIUM = "/usr/bin/chromium"
SHOTS = PROJECT_ROOT / "out" / "screenshots"
POLICY = """fius = ["FR", "DE", "IT", "NL"]
default = "deny"

[[agreement]]
fius = ["FR", "DE"]
mode = "auto"

[[agreement]]
fius = ["DE", "IT"]
mode = "auto"

[[agreement]]
fius = ["FR", "NL"]
mode = "consent"
"""


def _wallet(n: int) -> dict[str, str]:
    return {"chain": "eth", "address": f"0x{n:040x}"}


@dataclass
class World:
    hub: Hub
    url: str
    logins: dict[str, str]  # name -> password
    notes: list[dict[str, Any]]

    def consent_match(self) -> str:
        return next(n["match_id"] for n in self.notes
                    if n["type"] == "consent_request" and n["recipient_fiu"] == "FR")  # fmt: skip


def _hits(notes: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
    return {(n["recipient_fiu"], n["recipient_report_id"], n["counterpart_report_id"])
            for n in notes if n["type"] == "hit"}  # fmt: skip


@pytest.fixture(scope="module")
def world(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("workbench")
    hub = Hub(bootstrap=kafka_bootstrap, home=tmp / "home")
    hub.home.mkdir()
    policy = tmp / "policy.toml"
    policy.write_text(POLICY)
    # FR-1 and FR-3 each share a wallet with DE-1 (auto); DE-1 shares one with IT-1 (FR is never
    # told of IT-1); FR-2 shares one with NL-1 under a consent agreement.
    rows = [report("FR-1", "FR", wallets=[_wallet(0xA1)]), report("FR-3", "FR", wallets=[_wallet(0xA3)]),
            report("FR-2", "FR", wallets=[_wallet(0xC1)]),
            report("DE-1", "DE", wallets=[_wallet(0xA1), _wallet(0xA3), _wallet(0xB1)]),
            report("IT-1", "IT", wallets=[_wallet(0xB1)]), report("NL-1", "NL", wallets=[_wallet(0xC1)])]  # fmt: skip
    feed = write_jsonl(tmp / "feed.jsonl", rows)
    hub.cli("topics", "create", "--policy", str(policy), check=True)
    hub.start_worker(policy, "--memory")
    hub.cli("publish", str(feed), check=True)
    topics = [hub.settings.topics.notification(f) for f in ("FR", "DE", "IT", "NL")]
    notes = hub.read(topics, until=lambda r: len(_hits(r)) >= 6 and sum(n["type"] == "consent_request" for n in r) >= 2,
                     timeout=120)  # fmt: skip
    assert {("FR", "FR-1", "DE-1"), ("FR", "FR-3", "DE-1"), ("DE", "DE-1", "IT-1")} <= _hits(notes), (
        hub.worker_logs()
    )
    hub.cli("snapshot", "--once", check=True, timeout=120)
    store = UserStore(users_path(hub.settings))
    logins = {name: store.add(name, fiu=fiu) for name, fiu in
              (("fr-analyst", "FR"), ("nl-analyst", "NL"), ("de-analyst", "DE"), ("ops", None))}  # fmt: skip
    with serving(hub.settings) as url:
        yield World(hub, url, logins, notes)
    hub.stop_workers()


# -- the browser -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian's chromium is missing: `make setup` installs it"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


def _login(browser: Any, world: World, name: str) -> Any:
    page = browser.new_context().new_page()
    page.goto(f"{world.url}/login")
    page.fill("#username", name)
    page.fill("#password", world.logins[name])
    page.click("#login")
    return page


def _shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    print(f"screenshot {path}")


def test_fiu_logs_in_and_sees_only_its_own_inbox(world: World, browser: Any) -> None:
    page = _login(browser, world, "fr-analyst")
    assert page.url.endswith("/inbox")
    assert "FIU FR" in page.inner_text("#who")
    rows = page.locator("#inbox tbody tr.note")
    texts = [rows.nth(i).inner_text() for i in range(rows.count())]
    _shot(page, "inbox-fr")
    assert any("FR-1" in t and "DE:DE-1" in t for t in texts)
    assert any("FR-3" in t and "DE:DE-1" in t for t in texts)
    assert any("consent_request" in t and "FR-2" in t for t in texts)
    assert not any("IT-1" in t or "NL-1" in t for t in texts)  # never revealed to FR
    page.select_option("#f-type", "consent_request")
    page.click("#filters button[type=submit]")
    types = page.locator("#inbox tbody tr.note").evaluate_all("rows => rows.map(r => r.dataset.type)")
    assert types == ["consent_request"]


def test_match_view_shows_kind_reports_and_audit(world: World, browser: Any) -> None:
    page = _login(browser, world, "fr-analyst")
    page.locator("#inbox tr.hit", has_text="FR-1").locator("a.open-match").click()
    assert page.inner_text("#match-kind") == "wallet"
    assert "FR:FR-1" in page.inner_text("#own-reports")
    assert "DE:DE-1" in page.inner_text("#counterpart-reports")
    assert "sent" in page.inner_text("#audit")
    assert "subjects[0]." in page.inner_text("#your-fields")  # which of FR's own fields matched
    assert page.inner_text("#agreement") == "DE-FR auto"
    _shot(page, "match-fr")


def test_network_renders_the_cluster_fr_knows(world: World, browser: Any) -> None:
    page = _login(browser, world, "fr-analyst")
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto(f"{world.url}/network?report=FR:FR-1")
    page.wait_for_function("document.getElementById('net-status').dataset.nodes !== undefined")
    ids = sorted(page.evaluate("window.fiulinkGraph.nodes().map(n => n.id())"))
    assert ids == ["DE:DE-1", "FR:FR-1", "FR:FR-3"]  # IT-1 is linked to DE-1, but FR was never told
    assert page.evaluate("window.fiulinkGraph.edges().length") == 2
    assert all(u.startswith(world.url) for u in requested), requested  # cytoscape.js served locally
    _shot(page, "network-fr")


def test_grant_from_the_page_releases_the_held_hit(world: World, browser: Any) -> None:
    match_id = world.consent_match()
    page = _login(browser, world, "fr-analyst")
    row = page.locator(f"#inbox tr.consent_request[data-match='{match_id}']")
    row.locator("button.grant").click()
    assert f"granted: FR on match {match_id}" in page.inner_text("#flash")
    assert "waiting for the hub" in page.locator(f"#inbox tr[data-match='{match_id}']").first.inner_text()
    hub = world.hub
    topics = [hub.settings.topics.notification("NL")]
    hub.read(topics, until=lambda r: ("NL", "NL-1", "FR-2") in _hits(r), timeout=60)
    audit = hub.read([hub.settings.topics.audit], until=lambda r: any(
        a["decision"] == "released" and a["match_id"] == match_id for a in r))  # fmt: skip
    assert any(a["decision"] == "released" and a["counterpart_fiu"] == "FR" for a in audit)
    before = page.inner_text("#snapshot")
    time.sleep(1.1)  # snapshot names carry the time; make the next one visibly newer
    hub.cli("snapshot", "--once", check=True, timeout=120)
    nl = _login(browser, world, "nl-analyst")  # picks up the newer snapshot by itself
    assert nl.inner_text("#snapshot") != before
    assert nl.locator("#inbox tr.hit", has_text="FR:FR-2").count() == 1
    _shot(nl, "inbox-nl-after-grant")
    page.reload()
    assert (
        "granted, hit released"
        in page.locator(f"#inbox tr.consent_request[data-match='{match_id}']").inner_text()
    )


def test_another_fiu_cannot_open_the_match(world: World, browser: Any) -> None:
    fr_match = next(
        n["match_id"] for n in world.notes if n["type"] == "hit" and n["recipient_report_id"] == "FR-1"
    )
    page = _login(browser, world, "nl-analyst")
    resp = page.goto(f"{world.url}/match/{fr_match}")
    assert resp is not None and resp.status == 404
    resp = page.goto(f"{world.url}/api/matches/{fr_match}")
    assert resp is not None and resp.status == 404
    resp = page.goto(f"{world.url}/overview")
    assert resp is not None and resp.status == 403  # an FIU user does not see the hub overview


def test_operator_sees_the_overview_not_inboxes(world: World, browser: Any) -> None:
    page = _login(browser, world, "ops")
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.reload()
    assert page.url.endswith("/overview")
    page.wait_for_function("document.body.dataset.chartsReady === '1'")
    assert any(u.endswith("/static/vendor/chart.umd.min.js") for u in requested)
    assert all(u.startswith(world.url) for u in requested), requested  # nothing from outside (no CDN)
    assert page.evaluate("Chart.getChart('hits-chart').data.datasets.length") >= 1
    assert page.evaluate("Chart.getChart('matrix-chart').data.datasets[0].data.length") >= 3
    _shot(page, "overview")
    resp = page.goto(f"{world.url}/inbox")
    assert resp is not None and resp.status == 403


# -- HTTP: the API, CSRF, expiry -------------------------------------------------------------------
def _call(url: str, *, auth: tuple[str, str] | None = None, data: bytes | None = None,
          headers: dict[str, str] | None = None) -> tuple[int, Any]:  # fmt: skip
    req = urllib.request.Request(url, data=data, headers=dict(headers or {}))
    if auth:
        req.add_header("Authorization", "Basic " + base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode())
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def test_api_answers_each_fiu_with_its_own_notifications_only(world: World) -> None:
    assert _call(f"{world.url}/api/notifications")[0] == 401
    assert _call(f"{world.url}/api/notifications", auth=("fr-analyst", "wrong"))[0] == 401
    status, body = _call(f"{world.url}/api/notifications", auth=("fr-analyst", world.logins["fr-analyst"]))
    assert status == 200 and body["fiu"] == "FR" and body["notifications"]
    assert {n["recipient_report_id"] for n in body["notifications"]} <= {"FR-1", "FR-2", "FR-3"}
    status, de = _call(
        f"{world.url}/api/notifications?type=hit", auth=("de-analyst", world.logins["de-analyst"])
    )
    assert status == 200 and {n["type"] for n in de["notifications"]} == {"hit"}
    de_only = next(n["match_id"] for n in de["notifications"] if n["counterpart_report_id"] == "IT-1")
    fr = ("fr-analyst", world.logins["fr-analyst"])
    assert _call(f"{world.url}/api/matches/{de_only}", auth=fr)[0] == 404
    assert _call(f"{world.url}/api/network?report=DE:DE-1", auth=fr)[1]["nodes"]  # DE-1 was revealed to FR
    assert _call(f"{world.url}/api/network?report=IT:IT-1", auth=fr)[0] == 404  # IT-1 never was
    assert _call(f"{world.url}/api/overview", auth=fr)[0] == 403
    assert _call(f"{world.url}/api/notifications?min_confidence=2", auth=fr)[0] == 400
    assert _call(f"{world.url}/api/overview", auth=("ops", world.logins["ops"]))[0] == 200


def test_consent_action_needs_the_csrf_token(world: World, browser: Any) -> None:
    match_id = next(n["match_id"] for n in world.notes
                    if n["type"] == "consent_request" and n["recipient_fiu"] == "NL")  # fmt: skip
    page = _login(browser, world, "nl-analyst")
    token = page.get_attribute("meta[name=csrf-token]", "content")
    form = {"match_id": match_id, "decision": "refuse"}
    resp = page.request.post(f"{world.url}/consent", form=form)  # the session cookie, no token
    assert resp.status == 403
    resp = page.request.post(f"{world.url}/consent", form={**form, "csrf": "forged"})
    assert resp.status == 403
    resp = page.request.post(f"{world.url}/api/consent/{match_id}", data=json.dumps({"grant": False}),
                             headers={"Content-Type": "application/json"})  # fmt: skip
    assert resp.status == 403
    answers = world.hub.read([world.hub.settings.topics.consent("NL")], idle=2.0)
    assert not [a for a in answers if a["match_id"] == match_id]  # nothing reached the hub
    body = json.dumps({"grant": False, "reason": "open case", "message": "ask again in May"})
    resp = page.request.post(f"{world.url}/api/consent/{match_id}", data=body,
                             headers={"Content-Type": "application/json", "X-CSRF-Token": token or ""})  # fmt: skip
    assert resp.status == 202, resp.text()
    answers = world.hub.read([world.hub.settings.topics.consent("NL")], until=lambda r: any(
        a["match_id"] == match_id for a in r))  # fmt: skip
    assert [(a["granted"], a["reason"]) for a in answers if a["match_id"] == match_id] == [
        (False, "open case")
    ]
    told = world.hub.read([world.hub.settings.topics.notification("FR")], until=lambda r: any(
        n["type"] == "consent_refused" for n in r))  # fmt: skip
    refused = [n for n in told if n["type"] == "consent_refused" and n["match_id"] == match_id]
    assert refused and refused[0]["message"] == "ask again in May"  # the note reaches FR, the reason does not


def test_session_expires(world: World, browser: Any) -> None:
    with serving(world.hub.settings, session_seconds=1.5) as url:
        page = browser.new_context().new_page()
        page.goto(f"{url}/login")
        page.fill("#username", "de-analyst")
        page.fill("#password", world.logins["de-analyst"])
        page.click("#login")
        assert page.url.endswith("/inbox")
        time.sleep(2.0)
        de_match = next(
            n["match_id"] for n in world.notes if n["type"] == "hit" and n["recipient_fiu"] == "DE"
        )
        page.goto(f"{url}/match/{de_match}")
        assert "/login" in page.url and page.is_visible("#expired")
        assert page.request.get(f"{url}/api/notifications").status == 401
        page.fill("#username", "de-analyst")
        page.fill("#password", world.logins["de-analyst"])
        page.click("#login")
        assert page.url == f"{url}/match/{de_match}"  # back where the expired session was


def test_a_removed_login_ends_its_sessions(world: World, browser: Any) -> None:
    store = UserStore(users_path(world.hub.settings))
    world.logins["it-analyst"] = store.add("it-analyst", fiu="IT")
    page = _login(browser, world, "it-analyst")
    assert page.url.endswith("/inbox") and page.locator("#inbox tr.hit").count() == 1
    store.remove("it-analyst")
    page.goto(f"{world.url}/inbox")
    assert "/login" in page.url
