"""The ``yiyu`` command line. Jobs and the store arrive with issue #4; this is its start."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

import yiyu
from yiyu.protocol.docs import protocol_markdown

app = typer.Typer(help="yiyu 医育: pediatric health management.", no_args_is_help=True)


@app.command()
def version() -> None:
    """Print yiyu's version and the default protocol's."""
    protocol = yiyu.load_protocol()
    typer.echo(f"yiyu {yiyu.__version__}, protocol {protocol.label}")


@app.command("protocol")
def show_protocol(
    markdown: bool = typer.Option(False, "--markdown", help="Print the Markdown reference."),
) -> None:
    """List the rules of the default protocol."""
    protocol = yiyu.load_protocol()
    if markdown:
        typer.echo(protocol_markdown(protocol))
        return
    table = Table(title=f"protocol {protocol.label}")
    for column in ("rule", "name", "role", "schedule", "evidence"):
        table.add_column(column)
    for rule in protocol.rules:
        table.add_row(
            rule.id,
            rule.name,
            rule.role.label_zh,
            rule.schedule.value,
            f"{rule.evidence.value}/{rule.window_evidence.value}",
        )
    Console().print(table)


def main() -> None:
    app()
