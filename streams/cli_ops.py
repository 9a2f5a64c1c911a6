"""Operational commands: worker, consent (the stream side of the CLI)."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from streams.cli import _policy, fail_clearly, settings_from
from streams.config import Settings
from streams.core.correlate import CorrelationRules


def correlation_rules(settings: Settings) -> CorrelationRules:
    """Thresholds from Settings; known service wallets (one 'chain address' per line) tokenised."""
    from streams.core.identifiers import normalize_wallet
    from streams.core.tokens import Tokenizer

    service: set[str] = set()
    if settings.service_wallets_path:
        tok = Tokenizer(settings.require_key(), settings.token_key_id)
        for line in settings.service_wallets_path.read_text().splitlines():
            if line.strip() and not line.startswith("#"):
                chain, address = line.split(None, 1)
                label, canonical = normalize_wallet(chain, address.strip())
                service.add(tok("wallet", f"{label}:{canonical}"))
    return CorrelationRules(
        hot_reports=settings.hot_threshold_reports,
        hot_fius=settings.hot_threshold_fius,
        service_tokens=frozenset(service),
        retention_ms=round(settings.retention_days * 86_400_000),
    )


@click.command()
@click.option("--policy", type=click.Path(path_type=Path), help="sharing policy TOML (or FIULINK_POLICY)")
@click.option(
    "--service-wallets",
    type=click.Path(exists=True, path_type=Path),
    help="known exchange wallets, never linked",
)
@click.option(
    "--memory", is_flag=True, help="in-memory tables (tests); default RocksDB under $FIULINK_HOME/worker"
)
@click.option("--loglevel", default="warning", show_default=True)
@click.pass_context
@fail_clearly
def worker(
    ctx: click.Context, policy: Path | None, service_wallets: Path | None, memory: bool, loglevel: str
) -> None:
    """Run one Faust stream worker in the foreground (start more for more partitions).

    Consumes every FIU feed of the policy; writes sightings, matches, notifications, audit and
    dead letters. Stop with Ctrl-C / SIGTERM; a restart resumes from the committed offsets."""
    import faust

    from streams.app import build_worker_app
    from streams.kafka.topics import check_partitions, create_topics, existing_topics

    s = settings_from(
        ctx, policy_path=policy, service_wallets_path=service_wallets, store="memory://" if memory else None
    )
    pol = _policy(ctx, policy)
    s.require_key()
    known = existing_topics(s)
    missing = [s.topics.feed(f) for f in pol.fius if s.topics.feed(f) not in known]
    if missing:
        click.echo(
            f"error: missing topics {', '.join(missing)}: run `fiulink topics create --policy FILE` first",
            err=True,
        )
        sys.exit(1)
    create_topics(s, pol.fius)  # idempotent; makes sure the changelogs exist
    check_partitions(s, pol.fius)
    (s.home / "worker" / s.app_id).mkdir(parents=True, exist_ok=True)  # faust does not create parents
    app = build_worker_app(s, pol, correlation_rules(s))
    from streams.kafka.health import watch

    watch(s)  # says when brokers are lost, and when too few remain to take writes
    click.echo(
        f"worker {s.app_id}: {len(pol.fius)} FIU feeds on {s.bootstrap}, policy {pol.version}", err=True
    )
    logging.basicConfig(level=loglevel.upper(), stream=sys.stderr)
    faust.Worker(app, loglevel=loglevel, quiet=True).execute_from_commandline()


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
@click.option("--reason", help="optional reason, kept in the audit trail")
@click.option(
    "--force",
    is_flag=True,
    help="send without checking for an open request (one older than the notification topic's retention)",
)
@_TIMEOUT
@click.pass_context
@fail_clearly
def consent_answer(
    ctx: click.Context, match_id: str, fiu: str, grant: bool, reason: str | None, force: bool, timeout: float
) -> None:
    """Answer the consent request for MATCH_ID (from a consent_request notification), on the
    answering FIU's own consent topic (with --secure, only that FIU may write there).

    Checked first: MATCH_ID must be a consent request to this FIU, not answered yet."""
    from kafka.errors import KafkaError, TopicAuthorizationFailedError

    from streams.app.steps import utcnow
    from streams.codec import codec
    from streams.consent import check_answer, read_state
    from streams.errors import BrokerError
    from streams.kafka.clients import producer

    fiu = fiu.upper()
    s = settings_from(ctx)
    if not force:
        state = read_state(s, fiu, timeout=timeout)
        if state.warning:
            click.echo(state.warning, err=True)
        check_answer(state, match_id)
    rec = {"match_id": match_id, "fiu": fiu, "granted": grant, "reason": reason, "created_at": utcnow()}
    topic = s.topics.consent(fiu)
    p = producer(s, max_block_ms=int(timeout * 1000))
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
    click.echo(f"{'granted' if grant else 'refused'}: {fiu} on match {match_id}", err=True)


@consent.command("list")
@click.option("--fiu", required=True, help="the FIU whose open consent requests to list")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
    help="table: one line per request; json: the consent_request notifications as JSON Lines",
)  # fmt: skip
@_TIMEOUT
@click.pass_context
@fail_clearly
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
@click.option("--fius", "n_fius", type=int, default=4, show_default=True, help="number of FIUs")
@click.option("--reports", "n_reports", type=int, default=2000, show_default=True, help="total reports")
@click.option("--seed", type=int, default=1, show_default=True)
@click.option(
    "--out", type=click.Path(path_type=Path), required=True, help="directory for feed-XX.jsonl, policy, truth"
)
@fail_clearly
def generate(n_fius: int, n_reports: int, seed: int, out: Path) -> None:
    """Write a synthetic feed with planted cross-border links and their truth."""
    from streams.generate import generate as run

    truth = run(n_fius, n_reports, seed, out)
    click.echo(f"{truth['reports']} reports from {len(truth['fius'])} FIUs in {out}; "
               f"{len(truth['must_notify'])} hits must be notified (truth.json)", err=True)  # fmt: skip


@click.command()
@click.option("--reports", "n_reports", type=int, default=3000, show_default=True)
@click.option("--fius", "n_fius", type=int, default=4, show_default=True)
@click.option("--rate", type=float, default=200.0, show_default=True, help="offered publish rate, reports/s")
@click.option("--keep-running", is_flag=True, help="leave the broker running afterwards")
@click.pass_context
@fail_clearly
def demo(ctx: click.Context, n_reports: int, n_fius: int, rate: float, keep_running: bool) -> None:
    """Everything on the embedded broker: broker, topics, worker, a generated feed at a steady
    rate, then a summary (precision/recall against the truth, latency p50/p99, dead letters)."""
    from streams.demo import run_demo

    run_demo(settings_from(ctx), n_reports=n_reports, n_fius=n_fius, rate=rate, keep=keep_running)


def register(main: click.Group) -> None:
    for cmd in (worker, consent, generate, demo):
        main.add_command(cmd)
