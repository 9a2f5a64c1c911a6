"""The ``fiulink`` command line: the root group and its commands. Every command reads one
``Settings`` (environment, then flags); any ``FiulinkError`` becomes one clear message on stderr
and a non-zero exit, in one place (``streams.cli.common.FiulinkGroup``)."""

from __future__ import annotations

import click

from streams.cli import consent, feeds, hub, ops, pairs, sanctions, snapshot
from streams.cli.common import FiulinkGroup
from streams.config import Settings, version
from streams.goaml import cli as goaml
from streams.ui.command import ui


@click.group(
    cls=FiulinkGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100}
)
@click.version_option(version(), "--version", prog_name="fiulink", message="%(prog)s %(version)s")
@click.pass_context
def main(ctx: click.Context) -> None:
    """fiulink: cross-border correlation of suspicious-transaction reports between FIUs.

    \b
    Environment: FIULINK_BOOTSTRAP (Kafka, default 127.0.0.1:9092), FIULINK_HOME (local state,
    default $XDG_DATA_HOME/fiulink or ~/.local/share/fiulink, whatever the current directory),
    FIULINK_TOKEN_KEY (consortium key), FIULINK_POLICY (sharing policy file).
    Reference: README.md and docs/feed.md (the report fields).
    """
    ctx.obj = Settings.from_env()


for command in (
    hub.broker,
    hub.topics,
    hub.status,
    feeds.publish,
    feeds.tail,
    feeds.normalize,
    ops.worker,
    consent.consent,
    consent.explain,
    ops.generate,
    ops.demo,
    snapshot.snapshot,
    snapshot.query,
    snapshot.deliver,
    pairs.pairs,
    sanctions.sanctions,
    goaml.convert,
    ui,
):
    main.add_command(command)
