"""What every command shares: the root group that maps errors once, the Settings of the
invocation, the sharing policy."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from streams.config import Settings
from streams.errors import FiulinkError

if TYPE_CHECKING:
    from streams.core.policy import SharingPolicy

#: exit code of ``fiulink normalize`` for an invalid identifier
EXIT_INVALID = 2


class FiulinkGroup(click.Group):
    """The root group: any ``FiulinkError`` raised by a command (or by reading the Settings) is one
    ``error: …`` message on stderr (with its hint) and exit 1, never a traceback. The one place
    errors reach the user."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except FiulinkError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(1)


def settings_from(ctx: click.Context, **overrides: Any) -> Settings:
    """The invocation's Settings (environment, read once by the root group) with these flags."""
    base: Settings = ctx.find_root().obj
    return base.with_overrides(**overrides)


def load_policy(ctx: click.Context, policy: Path | None) -> SharingPolicy:
    """The sharing policy of ``--policy`` or FIULINK_POLICY."""
    from streams.core.policy import SharingPolicy

    return SharingPolicy.load(settings_from(ctx, policy_path=policy).require_policy())
