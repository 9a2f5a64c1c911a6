"""``fiulink consent``: answer a consent request, or list the open ones, for one FIU."""

from __future__ import annotations

import click

from streams.cli.common import settings_from


class _ConsentGroup(click.Group):
    """``fiulink consent MATCH_ID …`` (the answer, the documented form) and ``fiulink consent
    list``: anything that is not a subcommand name goes to ``answer``."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help"):
            args = ["answer", *args]
        return super().parse_args(ctx, args)


@click.group(cls=_ConsentGroup)
def consent() -> None:
    """Consent requests: answer one (`fiulink consent MATCH_ID --fiu XX --grant|--refuse`) or
    list the open ones (`fiulink consent list --fiu XX`).

    The requests are read from the FIU's notification topic, its answers from its consent topic
    (both to their end, no consumer group)."""


_TIMEOUT = click.option(
    "--timeout",
    type=float,
    default=15.0,
    show_default=True,
    help="seconds allowed for reading the FIU's notification and consent topics to their end",
)


@consent.command("answer")
@click.argument("match_id")
@click.option(
    "--fiu", required=True, help="the answering FIU: the one whose report the held hit would reveal"
)
@click.option("--grant/--refuse", required=True, help="grant releases the held hit to the other FIU")
@click.option("--reason", help="optional reason, kept in the hub's audit trail (not sent to the other FIU)")
@click.option(
    "--message",
    help="with --refuse: a note for the FIU that waits for your consent, sent with the refusal notice "
    "(at most 500 characters; without it, that FIU learns only that you refused)",
)
@click.option(
    "--force",
    is_flag=True,
    help="send without checking for an open request (one older than the notification topic's retention)",
)
@_TIMEOUT
@click.pass_context
def consent_answer(
    ctx: click.Context,
    match_id: str,
    fiu: str,
    grant: bool,
    reason: str | None,
    message: str | None,
    force: bool,
    timeout: float,
) -> None:
    """Answer the consent request for MATCH_ID (from a consent_request notification), on the
    answering FIU's own consent topic (with --secure, only that FIU may write there).

    Checked first: MATCH_ID must be a consent request to this FIU, not answered yet."""
    from streams.consent import answer

    fiu = fiu.upper()
    if message and grant:
        raise click.UsageError("--message goes with --refuse: a grant releases the hit itself")
    answer(settings_from(ctx), fiu, match_id, grant=grant, reason=reason, message=message, force=force,
           timeout=timeout, warn=lambda w: click.echo(w, err=True))  # fmt: skip
    click.echo(f"{'granted' if grant else 'refused'}: {fiu} on match {match_id}", err=True)


@consent.command("list")
@click.option("--fiu", required=True, help="the FIU whose open consent requests to list")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
    help="table: one line per request; json: the consent_request notifications as JSON Lines",
)  # fmt: skip
@_TIMEOUT
@click.pass_context
def consent_list(ctx: click.Context, fiu: str, fmt: str, timeout: float) -> None:
    """List FIU's consent requests without an answer yet (oldest first) on stdout."""
    import json

    from streams.consent import pending, read_state

    fiu = fiu.upper()
    state = read_state(settings_from(ctx), fiu, timeout=timeout)
    if state.warning:
        click.echo(state.warning, err=True)
    rows = pending(state)
    if fmt == "json":
        for n in rows:
            click.echo(json.dumps(n, ensure_ascii=False))
    else:
        if rows:
            click.echo("match_id\treport_id\trequested_by\tmatch_kind\trequested_at")
        for n in rows:
            click.echo("\t".join(str(n.get(k) or "") for k in
                                 ("match_id", "recipient_report_id", "counterpart_fiu", "match_kind", "created_at")))  # fmt: skip
    click.echo(f"{len(rows)} open consent request(s) for {fiu}", err=True)


@click.command()
@click.argument("match_id")
@click.option("--fiu", required=True, help="your FIU: the recipient of the notifications about MATCH_ID")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
    help="text: for people; json: one object (match, your reports and fields, terms, history)",
)  # fmt: skip
@_TIMEOUT
@click.pass_context
def explain(ctx: click.Context, match_id: str, fiu: str, fmt: str, timeout: float) -> None:
    """Why FIU was told about MATCH_ID: which fields of its own report matched, the counterpart FIU
    (and its report once it may be revealed), the agreement and purpose, the restrictions, and
    every notice since (consent asked, released, refused). Reads only FIU's own notification
    topic, so it works with FIU's own credentials on the secure broker. MATCH_ID may be
    shortened to its first 8 or more characters."""
    import json

    from streams.explain import explain as explain_match
    from streams.explain import render
    from streams.tail import read_to_end

    fiu = fiu.upper()
    s = settings_from(ctx)
    notes = read_to_end(s, s.topics.notification(fiu), timeout=timeout)
    e = explain_match(notes, match_id.strip().lower(), fiu)
    if fmt == "json":
        click.echo(json.dumps(e, ensure_ascii=False))
    else:
        for line in render(e):
            click.echo(line)
