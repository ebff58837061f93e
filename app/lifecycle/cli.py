"""``flask tenants ...``: a municipality joins, exports its data, is imported elsewhere, leaves."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from app.lifecycle.export import PACKAGE_FILE, ExportRefused, export_tenant, verify_checksums
from app.lifecycle.import_ import import_tenant
from app.lifecycle.onboarding import (
    LifecycleRefused,
    ProviderSpec,
    TenantSpec,
    add_tenant,
    demo_issuers,
    remove_tenant,
)
from app.lifecycle.onboarding import (
    add_region_defaults as create_region_defaults,
)

tenants_cli = AppGroup("tenants", help="Municipalities join, export their data, and leave.")


def register_cli(app: Flask) -> None:
    app.cli.add_command(tenants_cli)


def _refused(error: Exception) -> click.ClickException:
    return click.ClickException(str(error))


@tenants_cli.command("add")
@click.argument("slug")
@click.argument("name")
@click.option("--centre", is_flag=True, help="The centre municipality of the region.")
@click.option(
    "--region",
    help="The region (slug) it joins; a centre founds its own by default, another"
    " municipality joins the installation's only region.",
)
@click.option("--admin-email", help="Invite the first tenant admin by mail (local account).")
@click.option("--admin-name", help="The admin's name as the portal shows it.")
@click.option(
    "--admin-subject",
    nargs=2,
    metavar="ISSUER SUB",
    help="Bind the first tenant admin to this subject's first sign-in at ISSUER.",
)
@click.option("--issuer", help="The municipality's OpenID provider (issuer URL).")
@click.option("--client-id", help="The portal's client id at that provider.")
@click.option(
    "--secret-env", help="Environment variable with the client secret (OIDC_SECRET_<SLUG>…)."
)
def add(
    slug,
    name,
    centre,
    region,
    admin_email,
    admin_name,
    admin_subject,
    issuer,
    client_id,
    secret_env,
):
    """Add a municipality with its defaults and first admin (idempotent)."""
    given = [issuer, client_id, secret_env]
    if any(given) and not all(given):
        raise click.UsageError("--issuer, --client-id and --secret-env go together")
    spec = TenantSpec(
        slug=slug,
        name=name,
        centre=centre,
        region=region,
        admin_email=admin_email,
        admin_name=admin_name,
        admin_subject=tuple(admin_subject) if admin_subject else None,
        provider=ProviderSpec(issuer, client_id, secret_env) if all(given) else None,
    )
    try:
        outcome = add_tenant(spec)
    except LifecycleRefused as error:
        raise _refused(error) from None
    _report(slug, outcome)


def _report(slug: str, outcome) -> None:
    if not outcome.created and outcome.done:
        click.echo(f"{slug}: exists; added " + "; ".join(outcome.done))
        return
    if not outcome.created:
        click.echo(f"{slug}: exists with these settings; nothing changed")
        return
    click.echo(f"{slug}: added ({outcome.tenant_id})")
    for line in outcome.done[1:]:
        click.echo(f"  {line}")


@tenants_cli.command("add-region-defaults")
@click.option(
    "--oidc-first-port",
    type=int,
    help="Single sign-on at local OpenID providers on this port and the next four (the demo).",
)
def add_region_defaults(oidc_first_port: int | None) -> None:
    """The five municipalities of the Deventer region (Deventer the centre), idempotently."""
    try:
        issuers = demo_issuers(oidc_first_port) if oidc_first_port is not None else None
        outcomes = create_region_defaults(issuers)
    except LifecycleRefused as error:
        raise _refused(error) from None
    for slug, outcome in outcomes:
        _report(slug, outcome)


@tenants_cli.command("export")
@click.argument("slug")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def export(slug: str, directory: Path) -> None:
    """Write every row the municipality owns to DIRECTORY (CSV + datapackage.json)."""
    try:
        result = export_tenant(slug, directory)
    except ExportRefused as error:
        raise _refused(error) from None
    click.echo(
        f"{slug}: {sum(result.counts.values())} rows in {len(result.counts)} tables"
        f" written to {directory}; SHA256SUMS {result.checksum}"
    )


@tenants_cli.command("import")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--slug", help="Import under another slug than the exported one.")
def import_(directory: Path, slug: str | None) -> None:
    """Load an export into an empty (or new) municipality of this installation."""
    try:
        tenant_id, counts = import_tenant(directory, slug)
    except (LifecycleRefused, ExportRefused) as error:
        raise _refused(error) from None
    click.echo(
        f"imported {sum(counts.values())} rows in {len(counts)} tables as tenant {tenant_id}"
    )


@tenants_cli.command("remove")
@click.argument("slug")
@click.option(
    "--after-export",
    "export_dir",
    required=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="The export of this municipality made before (its checksums are verified).",
)
@click.option("--confirm", is_flag=True, help="Really destroy every row of the municipality.")
def remove(slug: str, export_dir: Path, confirm: bool) -> None:
    """Destroy every row of the municipality, after an export; keeps a destruction record."""
    import json

    try:
        checksum = verify_checksums(export_dir)
    except ExportRefused as error:
        raise _refused(error) from None
    package = json.loads((export_dir / PACKAGE_FILE).read_text(encoding="utf-8"))
    if package.get("nazorg:tenant", {}).get("slug") != slug:
        raise click.ClickException(f"{export_dir} is not an export of {slug}")
    if not confirm:
        raise click.ClickException("add --confirm to destroy every row of " + slug)
    try:
        record = remove_tenant(slug, checksum)
    except LifecycleRefused as error:
        raise _refused(error) from None
    click.echo(f"{slug}: removed, {sum(record.counts.values())} rows destroyed")
