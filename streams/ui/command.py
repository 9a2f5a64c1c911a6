"""``fiulink ui``: serve the workbench; ``fiulink ui user add`` makes a login (password shown once)."""

from __future__ import annotations

import sys
from typing import NoReturn

import click

from streams.errors import FiulinkError


def _fail(exc: FiulinkError) -> NoReturn:
    click.echo(f"error: {exc}", err=True)
    sys.exit(1)


@click.group(invoke_without_command=True)
@click.option("--host", default="127.0.0.1", show_default=True, help="address to listen on")
@click.option("--port", type=int, default=8080, show_default=True, help="port to listen on")
@click.option("--session-minutes", type=float, default=480, show_default=True, help="a login lasts this long")
@click.pass_context
def ui(ctx: click.Context, host: str, port: int, session_minutes: float) -> None:
    """The analyst's workbench: a web application over the latest published snapshot.

    \b
    FIU users see their inbox (hits, possible hits, consent requests, answered from the page),
    matches with their audit trail and the cross-border network of a report; the hub operator
    sees the overview. JSON under /api/ (README, "The analyst's workbench").
    Logins: `fiulink ui user add NAME --fiu XX` (or --operator) prints a generated password once.
    A newer snapshot (`fiulink snapshot`) is picked up by itself."""
    if ctx.invoked_subcommand is not None:
        return
    import uvicorn

    from streams.ui.users import UserStore, users_path
    from streams.ui.web import create_app

    settings = ctx.obj
    try:
        app = create_app(settings, session_seconds=session_minutes * 60)
    except FiulinkError as exc:
        _fail(exc)
    if not UserStore(users_path(settings)).names():
        click.echo("warning: no logins yet; add one with `fiulink ui user add NAME --fiu XX`", err=True)
    click.echo(
        f"workbench on http://{host}:{port}/ (snapshots under {settings.home / 'snapshots'})", err=True
    )
    uvicorn.run(app, host=host, port=port, log_level="warning")


@ui.group()
def user() -> None:
    """Workbench logins (stored as argon2id hashes under $FIULINK_HOME/ui/users.json)."""


@user.command("add")
@click.argument("name")
@click.option("--fiu", help="the FIU whose inbox this login sees (XX, as in the policy)")
@click.option("--operator", is_flag=True, help="a hub operator: the overview, no FIU inbox")
@click.pass_context
def user_add(ctx: click.Context, name: str, fiu: str | None, operator: bool) -> None:
    """Create NAME (or give it a new password); the password goes to stdout, once."""
    from streams.ui.users import UserStore, users_path

    if bool(fiu) == operator:
        raise click.UsageError("give exactly one of --fiu XX or --operator")
    try:
        password = UserStore(users_path(ctx.obj)).add(name, fiu=fiu.upper() if fiu else None)
    except FiulinkError as exc:
        _fail(exc)
    click.echo(f"login {name} ({'FIU ' + fiu.upper() if fiu else 'hub operator'}); password:", err=True)
    click.echo(password)


@user.command("remove")
@click.argument("name")
@click.pass_context
def user_remove(ctx: click.Context, name: str) -> None:
    """Remove NAME; its open sessions end with it."""
    from streams.ui.users import UserStore, users_path

    if not UserStore(users_path(ctx.obj)).remove(name):
        click.echo(f"error: no login {name!r} (see `fiulink ui user list`)", err=True)
        sys.exit(1)
    click.echo(f"login {name} removed", err=True)


@user.command("list")
@click.pass_context
def user_list(ctx: click.Context) -> None:
    """The logins: name, role, FIU."""
    from streams.ui.users import UserStore, users_path

    for u in UserStore(users_path(ctx.obj)).names():
        click.echo(f"{u.name}\t{u.role}\t{u.fiu or ''}")
