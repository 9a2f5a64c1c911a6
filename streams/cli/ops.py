"""Operational commands: the stream worker, the synthetic feed generator, the demo."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from streams.cli.common import load_policy, settings_from
from streams.config import LOG_LEVELS, Settings
from streams.core.correlate import CorrelationRules
from streams.errors import ConfigError


def correlation_rules(settings: Settings) -> CorrelationRules:
    """Thresholds from Settings; known service wallets (one 'chain address' per line) tokenised."""
    from streams.core.service_wallets import parse_service_wallets, service_tokens
    from streams.core.tokens import Tokenizer

    service: frozenset[str] = frozenset()
    if settings.service_wallets_path:
        path = settings.service_wallets_path
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read the service wallets file {path}: {exc}") from exc
        wallets = parse_service_wallets(text, str(path))
        service = service_tokens(wallets, Tokenizer(settings.require_key(), settings.token_key_id))
    return CorrelationRules(
        hot_reports=settings.hot_threshold_reports,
        hot_fius=settings.hot_threshold_fius,
        service_tokens=service,
        retention_ms=round(settings.retention_days * 86_400_000),
    )


@click.command()
@click.option("--policy", type=click.Path(path_type=Path), help="sharing policy TOML (or FIULINK_POLICY)")
@click.option(
    "--service-wallets",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="known exchange wallets, never linked",
)
@click.option(
    "--memory", is_flag=True, help="in-memory tables (tests); default RocksDB under $FIULINK_HOME/worker"
)
@click.option(
    "--loglevel",
    type=click.Choice(LOG_LEVELS, case_sensitive=False),
    help="the worker's and the framework's log level (default: FIULINK_LOG_LEVEL, else warning)",
)
@click.option(
    "--entity-links/--no-entity-links",
    default=None,
    help="fuzzy person and organisation links (default: FIULINK_ENTITY_LINKS, else off: they cost "
    "about ten times the exact path's work per report, see README)",
)
@click.pass_context
def worker(
    ctx: click.Context,
    policy: Path | None,
    service_wallets: Path | None,
    memory: bool,
    loglevel: str | None,
    entity_links: bool | None,
) -> None:
    """Run one Faust stream worker in the foreground (start more for more partitions).

    Consumes every FIU feed of the policy; writes sightings, matches, notifications, audit and
    dead letters. Stop with Ctrl-C / SIGTERM; a restart resumes from the committed offsets."""
    import faust

    from streams.app import build_worker_app
    from streams.kafka.topics import check_partitions, create_topics, existing_topics

    s = settings_from(
        ctx,
        policy_path=policy,
        service_wallets_path=service_wallets,
        store="memory://" if memory else None,
        log_level=loglevel,
        entity_links=entity_links,
    )
    pol = load_policy(ctx, policy)
    s.require_key()
    rules = correlation_rules(s)  # local input first: a bad wallets file fails before Kafka is asked
    known = existing_topics(s)
    missing = [s.topics.feed(f) for f in pol.fius if s.topics.feed(f) not in known]
    if missing:
        raise ConfigError(
            f"missing topics {', '.join(missing)}: run `fiulink topics create --policy FILE` first"
        )
    create_topics(s, pol.fius)  # idempotent; makes sure the changelogs exist
    check_partitions(s, pol.fius)
    (s.home / "worker" / s.app_id).mkdir(parents=True, exist_ok=True)  # faust does not create parents
    app = build_worker_app(s, pol, rules)
    from streams.kafka.health import watch

    watch(s)  # says when brokers are lost, and when too few remain to take writes
    click.echo(
        f"worker {s.app_id}: {len(pol.fius)} FIU feeds on {s.bootstrap}, policy {pol.version}", err=True
    )
    logging.basicConfig(level=s.log_level_number, stream=sys.stderr)
    runner = faust.Worker(app, loglevel=s.log_level, quiet=True)
    if not (sys.stdout.isatty() and sys.stderr.isatty()):
        runner.spinner = None  # no terminal escape codes in a log file or a pipe
    runner.execute_from_commandline()


@click.command()
@click.option("--fius", "n_fius", type=int, default=4, show_default=True, help="number of FIUs")
@click.option("--reports", "n_reports", type=int, default=2000, show_default=True, help="total reports")
@click.option("--seed", type=int, default=1, show_default=True)
@click.option(
    "--out", type=click.Path(path_type=Path), required=True, help="directory for feed-XX.jsonl, policy, truth"
)
def generate(n_fius: int, n_reports: int, seed: int, out: Path) -> None:
    """Write a synthetic feed with planted cross-border links and their truth (exact links;
    fuzzy person/company links written two ways, and hard negatives that must not link)."""
    from streams.generate import generate as run

    truth = run(n_fius, n_reports, seed, out)
    click.echo(f"{truth['reports']} reports from {len(truth['fius'])} FIUs in {out}; "
               f"{len(truth['must_notify'])} hits must be notified, {len(truth['fuzzy_links'])} fuzzy "
               f"links planted, {len(truth['hard_negatives'])} hard negatives (truth.json)", err=True)  # fmt: skip


@click.command()
@click.option("--reports", "n_reports", type=int, default=3000, show_default=True)
@click.option("--fius", "n_fius", type=int, default=4, show_default=True)
@click.option("--rate", type=float, default=200.0, show_default=True, help="offered publish rate, reports/s")
@click.option("--keep-running", is_flag=True, help="leave the broker running afterwards")
@click.pass_context
def demo(ctx: click.Context, n_reports: int, n_fius: int, rate: float, keep_running: bool) -> None:
    """Everything on the embedded broker: broker, topics, worker, a generated feed at a steady
    rate, with fuzzy entity links on, then a summary (precision/recall of exact and of fuzzy
    links against the truth, latency p50/p99, dead letters)."""
    from streams.demo import run_demo

    run_demo(settings_from(ctx), n_reports=n_reports, n_fius=n_fius, rate=rate, keep=keep_running)
