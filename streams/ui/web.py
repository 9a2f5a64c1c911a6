"""The workbench's Starlette application: pages (Jinja2 templates) and the JSON API (``api``).

``create_app(settings, ...)`` builds it; nothing is opened at import time. Pages and API read the
latest snapshot through one ``SnapshotSource``; the consent action goes through
``streams.consent.answer`` (the checks of ``fiulink consent``, then the FIU's consent topic).
"""

from __future__ import annotations

import contextlib
import secrets
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from streams.config import Settings
from streams.errors import FiulinkError
from streams.snapshot.publisher import snapshots_dir
from streams.ui import views
from streams.ui.auth import Auth
from streams.ui.snapshots import NoSnapshotError, SnapshotSource
from streams.ui.users import FIU, OPERATOR, User, UserStore, users_path

HERE = Path(__file__).parent
VENDOR = HERE / "static" / "vendor"
#: Default session lifetime from login (seconds).
SESSION_SECONDS = 8 * 3600


class Workbench:
    """What the handlers share: settings, the snapshot, logins, and answers sent from here."""

    def __init__(self, settings: Settings, session_seconds: float) -> None:
        self.settings = settings
        self.source = SnapshotSource(snapshots_dir(settings))
        self.auth = Auth(UserStore(users_path(settings)), session_seconds)
        self.templates = Jinja2Templates(directory=str(HERE / "templates"))
        self.templates.env.filters["when"] = _when
        self.templates.env.filters["dict_without_page"] = lambda q: urlencode(
            {k: v for k, v in q.items() if k != "page"}
        )
        #: (fiu, match_id) -> answer sent from this process, until a snapshot shows it
        self.sent: dict[tuple[str, str], dict[str, Any]] = {}

    def page(self, request: Request, name: str, status: int = 200, **ctx: Any) -> Response:
        user = self.auth.user(request)
        snap = None
        with contextlib.suppress(FiulinkError):
            snap = self.source.current()
        ctx = {"user": user, "csrf": self.auth.csrf(request), "snapshot": snap, **ctx}
        return self.templates.TemplateResponse(request, name, ctx, status_code=status)

    def settings_for(self, fiu: str) -> Settings:
        """Kafka settings acting as ``fiu``: its own SASL principal on a --secure broker."""
        from streams.kafka.secure import load_credentials

        password = load_credentials(self.settings).get(fiu)
        if password:
            return self.settings.as_principal(fiu, password)
        return self.settings

    def answer(
        self, fiu: str, match_id: str, grant: bool, reason: str | None, message: str | None = None
    ) -> dict[str, Any]:
        """``fiu``'s answer through ``streams.consent.answer``; ``message`` (a refusal's note to
        the waiting FIU) goes with a refusal only."""
        from streams.consent import answer

        note = (message or None) if not grant else None
        rec = answer(self.settings_for(fiu), fiu, match_id, grant=grant, reason=reason or None, message=note)
        self.sent[(fiu, match_id)] = rec
        return rec


def _when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S UTC") if hasattr(value, "strftime") else str(value or "")


def require(wb: Workbench, request: Request, role: str) -> User | Response:
    """The logged-in user of ``role``; otherwise the login page (none) or 403 (another role)."""
    user = wb.auth.user(request)
    if user is None:
        expired = request.session.pop("expired", False)
        return RedirectResponse(f"/login?{'expired=1&' if expired else ''}next={request.url.path}", 303)
    if user.role != role:
        what = "an FIU's inbox, matches and networks" if role == FIU else "the hub overview"
        return wb.page(request, "error.html", 403, message=f"{user.name} may not see {what}")
    return user


def routes(wb: Workbench) -> list[Route]:
    async def login_form(request: Request) -> Response:
        q = request.query_params
        return wb.page(request, "login.html", expired=q.get("expired"), next=q.get("next", ""))

    async def login(request: Request) -> Response:
        form = await request.form()
        if not wb.auth.csrf_ok(request, str(form.get("csrf", ""))):
            return wb.page(request, "login.html", 403, error="the form expired: please log in again", next="")
        user = wb.auth.login(request, str(form.get("username", "")), str(form.get("password", "")))
        if user is None:
            return wb.page(
                request, "login.html", 401, error="wrong user name or password", next=form.get("next", "")
            )
        target = str(form.get("next", ""))
        if not (target.startswith("/") and not target.startswith("//") and "\\" not in target):
            target = "/overview" if user.role == OPERATOR else "/inbox"  # only a path of this site
        return RedirectResponse(target, 303)

    async def logout(request: Request) -> Response:
        form = await request.form()
        if wb.auth.csrf_ok(request, str(form.get("csrf", ""))):
            request.session.clear()
        return RedirectResponse("/login", 303)

    async def home(request: Request) -> Response:
        user = wb.auth.user(request)
        if user is None:
            return RedirectResponse("/login", 303)
        return RedirectResponse("/overview" if user.role == OPERATOR else "/inbox", 303)

    def inbox(request: Request) -> Response:
        user = require(wb, request, FIU)
        if isinstance(user, Response):
            return user
        q = dict(request.query_params)
        try:
            f = views.InboxFilter.parse(q)
            rows, more = views.inbox(wb.source, user.fiu or "", f)
        except (views.BadFilterError, NoSnapshotError) as exc:
            return wb.page(request, "inbox.html", 400 if isinstance(exc, views.BadFilterError) else 200,
                           rows=[], q=q, f=None, more=False, error=str(exc), flash=None)  # fmt: skip
        for r in rows:
            # an answer sent from here shows until a snapshot has it
            r["sent"] = wb.sent.get((user.fiu or "", r["match_id"])) if r.get("answer") == "open" else None
        flash = request.session.pop("flash", None)
        return wb.page(request, "inbox.html", rows=rows, q=q, f=f, more=more, flash=flash,
                       types=views.TYPES, kinds=views.KINDS, error=None)  # fmt: skip

    async def consent(request: Request) -> Response:
        user = require(wb, request, FIU)
        if isinstance(user, Response):
            return user
        form = await request.form()
        if not wb.auth.csrf_ok(request, str(form.get("csrf", ""))):
            return wb.page(request, "error.html", 403, message="missing or wrong CSRF token: reload the page")
        match_id, decision = str(form.get("match_id", "")), str(form.get("decision", ""))
        if decision not in ("grant", "refuse"):
            return wb.page(request, "error.html", 400, message="decision must be grant or refuse")
        try:
            reason = str(form.get("reason", "")).strip()
            message = str(form.get("message", "")).strip()[:500]
            await run_in_threadpool(wb.answer, user.fiu or "", match_id, decision == "grant", reason, message)
            request.session["flash"] = f"{decision}ed: {user.fiu} on match {match_id} (sent to the hub)"
        except FiulinkError as exc:
            request.session["flash"] = f"not sent: {str(exc).splitlines()[0]}"
        return RedirectResponse("/inbox", 303)

    def match(request: Request) -> Response:
        user = require(wb, request, FIU)
        if isinstance(user, Response):
            return user
        try:
            m = views.match(wb.source, user.fiu or "", request.path_params["match_id"])
        except (views.NotVisibleError, NoSnapshotError) as exc:
            return wb.page(request, "error.html", 404, message=str(exc).splitlines()[0])
        return wb.page(request, "match.html", m=m)

    def network(request: Request) -> Response:
        user = require(wb, request, FIU)
        if isinstance(user, Response):
            return user
        return wb.page(request, "network.html", report=request.query_params.get("report", ""))

    def overview(request: Request) -> Response:
        user = require(wb, request, OPERATOR)
        if isinstance(user, Response):
            return user
        try:
            data = views.overview(wb.source)
        except NoSnapshotError as exc:
            return wb.page(request, "error.html", 200, message=str(exc).splitlines()[0])
        return wb.page(request, "overview.html", o=data)

    from streams.ui.api import api_routes

    return [
        Route("/", home),
        Route("/login", login_form, methods=["GET"]),
        Route("/login", login, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/inbox", inbox),
        Route("/consent", consent, methods=["POST"]),
        Route("/match/{match_id:path}", match),
        Route("/network", network),
        Route("/overview", overview),
        *api_routes(wb),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]


def create_app(settings: Settings, *, session_seconds: float = SESSION_SECONDS) -> Starlette:
    if not (VENDOR / "cytoscape.min.js").is_file():
        raise FiulinkError(
            f"the workbench's browser libraries are missing from {VENDOR}",
            hint="run `make setup` (it installs them from the npm registry)",
        )
    wb = Workbench(settings, session_seconds)
    secret = secrets.token_urlsafe(32)  # per process: a restart logs everyone out
    # The login time in the session is what expires a login (Auth.user); the cookie outlives it a
    # little so that the page can say "expired" rather than just asking to log in.
    middleware = [Middleware(SessionMiddleware, secret_key=secret, session_cookie="fiulink_session",
                             max_age=int(session_seconds) + 300, same_site="strict")]  # fmt: skip
    stop = threading.Event()

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        # each new snapshot is opened and its overview computed before anyone asks for them
        wb.source.watch(2.0, lambda: views.overview(wb.source), stop)
        try:
            yield
        finally:
            stop.set()

    app = Starlette(routes=routes(wb), middleware=middleware, lifespan=lifespan)
    app.state.workbench = wb
    app.state.started = time.time()
    return app
