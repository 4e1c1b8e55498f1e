"""`flask` commands for operators: reference data, demo data, users, outbox, config check."""

from __future__ import annotations

import click
from flask import Flask
from sqlalchemy import func, select

from app.extensions import db


def register_commands(app: Flask) -> None:
    @app.cli.command("load-reference")
    def load_reference() -> None:
        """Load expertise areas, municipalities, postcodes, fee schedule and travel rates."""
        from app.reference.services import load_reference_data

        counts = load_reference_data()
        db.session.commit()
        click.echo("Reference data loaded: " + ", ".join(f"{k} {v}" for k, v in counts.items()))

    @app.cli.command("seed-demo")
    @click.option(
        "--password",
        default="kokemus-demo",
        show_default=True,
        help="Password of every demo account.",
    )
    @click.option(
        "--if-empty", is_flag=True, help="Do nothing when the database already has users."
    )
    def seed_demo_command(password: str, if_empty: bool) -> None:
        """Create the demo accounts, experts and orders (idempotent)."""
        from app.accounts.models import User
        from app.demo import seed_demo

        if if_empty and db.session.scalar(select(func.count()).select_from(User)):
            click.echo("The database already has users; demo data not added.")
            _print_accounts(None)
            return
        accounts = seed_demo(password=password)
        db.session.commit()
        _print_accounts(password, accounts)

    @app.cli.command("create-user")
    @click.argument("email")
    @click.option(
        "--role",
        required=True,
        type=click.Choice(["organisation_member", "expert", "coordinator", "finance", "admin"]),
    )
    @click.option("--name", "full_name", default="", help="Full name (defaults to the e-mail).")
    @click.option(
        "--organisation",
        "organisation_name",
        default=None,
        help="Name of an existing organisation (for organisation members).",
    )
    @click.option(
        "--admin-of-organisation",
        is_flag=True,
        help="Make the member the organisation's administrator.",
    )
    @click.password_option(help="The new user's password (asked when not given).")
    def create_user_command(
        email, role, full_name, organisation_name, admin_of_organisation, password
    ) -> None:
        """Create a user with a role."""
        from app.accounts.services import create_user
        from app.common.errors import DomainError
        from app.organisations.models import Membership, Organisation

        organisation = None
        if role == "organisation_member":
            if not organisation_name:
                raise click.UsageError("--organisation is required for organisation members.")
            organisation = db.session.scalar(
                select(Organisation).where(Organisation.name == organisation_name)
            )
            if organisation is None:
                raise click.UsageError(f"No organisation named {organisation_name!r}.")
        try:
            user = create_user(email, password, role, full_name or email)
        except DomainError as error:
            raise click.ClickException(error.message) from None
        if organisation is not None:
            db.session.add(
                Membership(user=user, organisation=organisation, is_admin=admin_of_organisation)
            )
        if role == "expert":
            from app.experts.models import ExpertProfile

            db.session.add(ExpertProfile(user=user, display_name=user.full_name.split()[0]))
        db.session.commit()
        click.echo(f"Created {user.email} ({user.role}).")

    @app.cli.command("scheduler")
    def scheduler_command() -> None:
        """Run the background jobs until stopped (one or more processes may run)."""
        import time

        from app.jobs import build_scheduler, holder_name

        scheduler = build_scheduler(app)
        if app.config["SCHEDULER_METRICS_PORT"]:
            from app.ops.metrics import serve_process_metrics

            serve_process_metrics(
                app.config["SCHEDULER_METRICS_PORT"], app.config["SCHEDULER_METRICS_ADDRESS"]
            )
        scheduler.start()
        click.echo(f"Scheduler running as {holder_name()}; press Ctrl-C to stop.")
        try:
            while True:
                time.sleep(3600)
        except (KeyboardInterrupt, SystemExit):
            scheduler.shutdown()

    @app.cli.command("run-jobs")
    def run_jobs_command() -> None:
        """Run every background job once now (for operators and cron)."""
        from app.jobs import configured_jobs, holder_name, run_job

        jobs = configured_jobs(app)
        for name in jobs:
            ran = run_job(app, name, holder_name(), registry=jobs)
            click.echo(f"{name}: {'done' if ran else 'already run in this interval'}")

    @app.cli.command("check-config")
    def check_config_command() -> None:
        """Check every setting and the services they name; exit 1 with one line per problem."""
        from app.ops.checks import configuration_problems

        production = app.config.get("ENV_NAME") == "production"
        problems = configuration_problems(app.config, production=production)
        if not production:
            click.echo("KOKEMUSPANKKI_ENV is not production: only the configured services "
                       "were checked.")
        for problem in problems:
            click.echo(f"problem: {problem}", err=True)
        if problems:
            raise SystemExit(1)
        click.echo("Configuration OK.")

    @app.cli.command("send-mail")
    def send_mail_command() -> None:
        """Deliver the e-mails waiting in the outbox now."""
        from app.mail.services import deliver_pending

        click.echo(f"Sent {deliver_pending()} message(s).")


def _print_accounts(password: str | None, accounts=None) -> None:
    from app.demo import DEMO_PASSWORD

    if accounts is None:
        from app.demo import seed_demo_emails

        accounts = seed_demo_emails()
    click.echo("")
    click.echo("Demo accounts (password: %s):" % (password or f"{DEMO_PASSWORD} unless changed"))
    shown = [
        a
        for a in accounts
        if not a[0].startswith("expert") or a[0] in ("expert1@demo.test", "expert2@demo.test")
    ]
    for email, role in shown:
        click.echo(f"  {email:28} {role}")
    click.echo("  expert3@demo.test … expert24@demo.test   expert")
    click.echo("Finance TOTP secret (demo only): KOKEMUSPANKKIDEMOTOTPKEY")
