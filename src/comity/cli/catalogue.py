"""``comity catalogue list|show``: the forms of cooperation and their fields."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from comity.bootstrap import catalogue as packaged_catalogue
from comity.cli.context import console, print_json, reports_errors
from comity.domain.catalogue import FieldSpec
from comity.domain.conditions import describe
from comity.web.api.catalogue import type_out

app = typer.Typer(help="Browse the catalogue of forms of cooperation.", no_args_is_help=True)


@app.command("list")
@reports_errors
def list_types(
    profile: Annotated[
        str | None, typer.Option(help="Show availability under this profile.")
    ] = None,
) -> None:
    """List every request type with its availability under a profile."""
    catalogue = packaged_catalogue()
    chosen = catalogue.profile(profile) if profile else catalogue.default_profile
    table = Table(title=f"Forms of cooperation under {chosen.title}")
    for column in ("code", "ref", "title", "availability"):
        table.add_column(column)
    for rtype in sorted(catalogue.types.values(), key=lambda item: item.ref):
        availability = rtype.basis_under(chosen.code).availability
        table.add_row(rtype.code, rtype.ref, rtype.title, str(availability))
    console.print(table)
    for form in chosen.excluded_forms:
        console.print(f"Not a form of cooperation here: {form.title} ({', '.join(form.basis)})")


@app.command("show")
@reports_errors
def show(
    code: Annotated[str, typer.Argument(help="Request type code, e.g. mla.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Show one request type: description, channels, legal basis and fields."""
    rtype = packaged_catalogue().type(code)
    if as_json:
        print_json(type_out(rtype))
        return
    console.print(f"[bold]{rtype.title}[/bold] ({rtype.code}, {rtype.ref})")
    console.print(rtype.description)
    console.print(f"Channels: {', '.join(rtype.channels)}; urgency: {', '.join(rtype.urgencies)}")
    for profile, basis in rtype.legal_basis.items():
        console.print(f"  {profile}: {basis.availability} — {'; '.join(basis.citations)}")
    for spec in rtype.fields:
        _print_field(spec, 0)


def _print_field(spec: FieldSpec, depth: int) -> None:
    need = "required" if spec.required else ""
    if spec.required_when is not None:
        need = f"required when {describe(spec.required_when)}"
    console.print(f"{'  ' * (depth + 1)}{spec.name} ({spec.type}) {need}", highlight=False)
    for child in spec.fields:
        _print_field(child, depth + 1)
    if spec.items is not None:
        for child in spec.items.fields:
            _print_field(child, depth + 1)
