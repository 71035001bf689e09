"""``bots db upgrade`` and ``bots db status``: the ledger's schema version."""

from __future__ import annotations

from typing import Annotated

import typer

from bots.cli.app import app
from bots.ledger import open_store
from bots.ledger.mask import redact_url
from bots.ledger.schema import LATEST

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="ledger URL: sqlite:///path.db, a path, or postgresql://… "
        "(default: $BOTS_DB, else sqlite:///runs/ledger.db)",
    ),
]

db_app = typer.Typer(
    help="The ledger's schema: its version, and upgrading it.", no_args_is_help=True
)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def upgrade(db: DbOption = None) -> None:
    """Apply the pending schema migrations and print the version reached."""
    with open_store(db, mode="create", check_schema=False) as store:
        before, after = store.version(), store.upgrade()
    change = f"upgraded from {before}" if after != before else "already up to date"
    typer.echo(f"ledger {redact_url(store.url)}: schema version {after} ({change})")


@db_app.command("status")
def status(db: DbOption = None) -> None:
    """Show the schema version and each applied migration."""
    with open_store(db, mode="read", check_schema=False) as store:
        version, applied = store.version(), store.migrations()
    shown = redact_url(store.url)
    typer.echo(f"ledger {shown}: schema version {version} of {LATEST}")
    for row in applied:
        when = row["applied_at"].strftime("%Y-%m-%d %H:%M:%S UTC")
        typer.echo(f"  {row['version']}  {row['description']}  (applied {when})")
    if version < LATEST:
        typer.echo(f"{LATEST - version} migration(s) pending: run `bots db upgrade --db {shown}`")
