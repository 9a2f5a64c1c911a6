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
    create_topics(s, pol.fius, s.replication_factor)  # idempotent; makes sure the changelogs exist
    check_partitions(s, pol.fius)
    (s.home / "worker" / s.app_id).mkdir(parents=True, exist_ok=True)  # faust does not create parents
    app = build_worker_app(s, pol, correlation_rules(s))
    click.echo(
        f"worker {s.app_id}: {len(pol.fius)} FIU feeds on {s.bootstrap}, policy {pol.version}", err=True
    )
    logging.basicConfig(level=loglevel.upper(), stream=sys.stderr)
    faust.Worker(app, loglevel=loglevel, quiet=True).execute_from_commandline()


@click.command()
@click.argument("match_id")
@click.option(
    "--fiu", required=True, help="the answering FIU: the one whose report the held hit would reveal"
)
@click.option("--grant/--refuse", required=True, help="grant releases the held hit to the other FIU")
@click.option("--reason", help="optional reason, kept in the audit trail")
@click.pass_context
@fail_clearly
def consent(ctx: click.Context, match_id: str, fiu: str, grant: bool, reason: str | None) -> None:
    """Answer a consent request for MATCH_ID (from a consent_request notification), on the
    answering FIU's own consent topic (with --secure, only that FIU may write there)."""
    from kafka.errors import KafkaError, TopicAuthorizationFailedError

    from streams.app.steps import utcnow
    from streams.codec import codec
    from streams.errors import BrokerError
    from streams.kafka.clients import producer

    rec = {
        "match_id": match_id,
        "fiu": fiu.upper(),
        "granted": grant,
        "reason": reason,
        "created_at": utcnow(),
    }
    s = settings_from(ctx)
    topic = s.topics.consent(rec["fiu"])
    p = producer(s)
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
    click.echo(f"{'granted' if grant else 'refused'}: {fiu.upper()} on match {match_id}", err=True)


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
