"""The JSON API under the pages (``/api/…``), for case systems and the pages' scripts.

Authenticated by the session cookie or HTTP Basic (the same credentials); an anonymous call is
401, another role's resource 403, something this FIU may not see 404 (as if it did not exist).
``POST /api/consent/{match_id}`` with a cookie needs the ``X-CSRF-Token`` header.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from streams.errors import FiulinkError
from streams.snapshot.query import plain
from streams.ui import views
from streams.ui.snapshots import NoSnapshotError
from streams.ui.users import FIU, OPERATOR, User

if TYPE_CHECKING:
    from streams.ui.web import Workbench


def _json(body: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(plain(body), status_code=status)


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def api_routes(wb: Workbench) -> list[Route]:
    def who(request: Request, role: str) -> User | Response:
        user = wb.auth.user(request)
        if user is None:
            return _error(401, "log in first (session cookie or HTTP Basic with your workbench login)")
        if user.role != role:
            return _error(403, f"{user.name} is {'an operator' if user.role == OPERATOR else 'an FIU user'}")
        return user

    def notifications(request: Request) -> Response:
        user = who(request, FIU)
        if isinstance(user, Response):
            return user
        try:
            rows, more = views.inbox(
                wb.source, user.fiu or "", views.InboxFilter.parse(dict(request.query_params))
            )
        except views.BadFilterError as exc:
            return _error(400, str(exc))
        except NoSnapshotError as exc:
            return _error(503, str(exc).splitlines()[0])
        return _json({"fiu": user.fiu, "notifications": rows, "more": more})

    def match(request: Request) -> Response:
        user = who(request, FIU)
        if isinstance(user, Response):
            return user
        try:
            return _json(views.match(wb.source, user.fiu or "", request.path_params["match_id"]))
        except views.NotVisibleError as exc:
            return _error(404, str(exc))
        except NoSnapshotError as exc:
            return _error(503, str(exc).splitlines()[0])

    def network(request: Request) -> Response:
        user = who(request, FIU)
        if isinstance(user, Response):
            return user
        report = request.query_params.get("report", "")
        if ":" not in report:
            return _error(400, "report must be FIU:REPORT_ID, e.g. FR:FR-2026-000123")
        try:
            return _json(views.network(wb.source, user.fiu or "", report))
        except views.NotVisibleError as exc:
            return _error(404, str(exc))
        except NoSnapshotError as exc:
            return _error(503, str(exc).splitlines()[0])

    def overview(request: Request) -> Response:
        user = who(request, OPERATOR)
        if isinstance(user, Response):
            return user
        try:
            return _json(views.overview(wb.source))
        except NoSnapshotError as exc:
            return _error(503, str(exc).splitlines()[0])

    async def consent(request: Request) -> Response:
        user = who(request, FIU)
        if isinstance(user, Response):
            return user
        if not wb.auth.is_basic(request) and not wb.auth.csrf_ok(
            request, request.headers.get("x-csrf-token")
        ):
            return _error(403, "missing or wrong X-CSRF-Token header")
        try:
            body = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("grant"), bool):
            return _error(400, 'send a JSON object {"grant": true|false, "reason": "..."}')
        reason = body.get("reason") if isinstance(body.get("reason"), str) else None
        message = body.get("message") if isinstance(body.get("message"), str) else None
        if message and len(message) > 500:
            return _error(400, "message: at most 500 characters")
        try:
            rec = await run_in_threadpool(
                wb.answer, user.fiu or "", request.path_params["match_id"], body["grant"], reason, message
            )
        except FiulinkError as exc:
            return _error(409, str(exc).splitlines()[0])
        return _json({"sent": rec}, 202)

    def snapshot(request: Request) -> Response:
        if wb.auth.user(request) is None:
            return _error(401, "log in first")
        try:
            snap = wb.source.current()
        except NoSnapshotError as exc:
            return _error(503, str(exc).splitlines()[0])
        return _json({"path": snap.path.name, "published_at": snap.published_at})

    return [
        Route("/api/notifications", notifications),
        Route("/api/matches/{match_id:path}", match),
        Route("/api/network", network),
        Route("/api/overview", overview),
        Route("/api/consent/{match_id:path}", consent, methods=["POST"]),
        Route("/api/snapshot", snapshot),
    ]
