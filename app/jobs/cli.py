"""``flask --app wsgi jobs ...``: the worker, the outbox sweep and the daily plan."""

from __future__ import annotations

from datetime import date

import click
from flask import Flask
from flask.cli import AppGroup

from app.jobs import queue as queues
from app.jobs.outbox import sweep
from app.jobs.schedule import plan_day
from app.jobs.worker import MAINTENANCE_SECONDS, make_worker, sweep_outbox

jobs_cli = AppGroup("jobs", help="Background work: worker, outbox sweep, daily plan.")


@jobs_cli.command("worker")
@click.option("--queue", "queue_names", multiple=True, help="Queues to listen on (default all).")
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@click.option(
    "--with-scheduler/--without-scheduler",
    default=True,
    help="Run rq's scheduler too (needed for retries with backoff).",
)
@click.option(
    "--maintenance-interval",
    default=None,
    type=int,
    help="Seconds between maintenance runs: abandoned jobs, outbox sweep (default 10).",
)
def worker_command(queue_names, burst, with_scheduler, maintenance_interval) -> None:
    """Start an rq worker for the portal's queues (needs REDIS_URL)."""
    if queues.embedded():
        raise click.ClickException("REDIS_URL is not set: jobs run inline, no worker needed")
    sweep_outbox()
    worker = make_worker(
        list(queue_names) or None, maintenance_interval=maintenance_interval or MAINTENANCE_SECONDS
    )
    worker.work(burst=burst, with_scheduler=with_scheduler)


@jobs_cli.command("sweep")
def sweep_command() -> None:
    """Hand the jobs still waiting in the outbox to Redis (or run them inline)."""
    click.echo(f"{sweep()} job(s) handed over")


@jobs_cli.command("daily")
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), default=None)
def daily_command(day) -> None:
    """Run the daily plan (reminders, digests, retention) for every municipality."""
    chosen: date = day.date() if day else date.today()
    count = plan_day(chosen)
    click.echo(f"daily plan for {chosen.isoformat()}: {count} job(s) enqueued")


def register_cli(app: Flask) -> None:
    app.cli.add_command(jobs_cli)
