"""`riskwatch models`: the model registry's versions, champion and challenger."""

from typing import Annotated

import typer

from riskwatch.cli.options import alias_option

models_app = typer.Typer(
    rich_markup_mode=None,
    help="The model registry: versions, champion and challenger.",
    no_args_is_help=True,
)


@models_app.command("list")
def models_list(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Every registered model version with its aliases and lineage (registrations left
    interrupted are removed first, and said so on stderr)."""
    from riskwatch.cli.progress import announce
    from riskwatch.settings import load_run_config
    from riskwatch.tracking import registration, registry

    name = load_run_config()["train"]["registered_name"]
    registration.remove_interrupted(name, announce)
    versions = registry.list_versions(name)
    if as_json:
        import json  # not at the top: help does not need it

        typer.echo(json.dumps(versions, indent=2, default=str))
        return
    if not versions:
        typer.echo("no registered model yet: run `riskwatch train --register --alias champion`")
        return
    for v in versions:
        typer.echo(
            f"version {v['version']:>3}  {','.join(v['aliases']) or '-':<20} "
            f"{v.get('model_family', '?'):<15} created {v['created']}  run {v['run_id'][:8]}"
        )
        tags = "  ".join(f"{k}={t}" for k, t in sorted(v["version_tags"].items()))
        for line in (v["description"], tags):
            if line:
                typer.echo(f"             {line}")


@models_app.command("promote")
def models_promote(
    version: Annotated[int, typer.Argument(help="The model version to promote.")],
    alias: Annotated[
        str, typer.Option(help="Alias to point at it.", callback=alias_option)
    ] = "champion",
) -> None:
    """Point an alias (champion by default) at a registered version."""
    from riskwatch.service.models import promote

    name = promote(version, alias)
    typer.echo(f"'{alias}' now points at version {version} of '{name}'")
