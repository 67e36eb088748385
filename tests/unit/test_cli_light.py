"""`riskwatch --help` must stay fast: no heavy library imported to print help."""

import subprocess
import sys

from cli_helpers import run_riskwatch

# Libraries, and the modules of riskwatch only a command that runs needs (the work done
# and the formatting of its results), none of which printing help may import; json too,
# though light: its 2-3 ms are a share of help's 0.1 s that only `--json` output needs.
HEAVY = (
    "json",
    "pandas",
    "sklearn",
    "scipy",
    "statsmodels",
    "mlflow",
    "lightgbm",
    "riskwatch.service",
    "riskwatch.cli.format",
)


def test_help_imports_no_heavy_library():
    code = (
        "import sys\n"
        "from riskwatch.cli import app\n"
        "from typer.testing import CliRunner\n"
        "result = CliRunner().invoke(app, ['--help'])\n"
        "assert result.exit_code == 0, result.output\n"
        "print(result.output)\n"
        f"print('HEAVY:', [m for m in {HEAVY!r} if m in sys.modules])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "HEAVY: []" in out.stdout
    assert "data" in out.stdout


def test_console_script_lists_every_command_group():
    """`riskwatch --help` names every command group the app registers, and each group's own
    help lists its commands."""
    from riskwatch.cli import app

    groups = {group.name: group.typer_instance for group in app.registered_groups}
    assert set(groups) >= {"data", "models", "features", "flags"}
    done = run_riskwatch(["--help"])
    assert done.returncode == 0, done.stderr
    listed = {line.split()[0] for line in done.stdout.splitlines() if line.startswith("  ")}
    assert set(groups) <= listed
    for name, group in groups.items():
        done = run_riskwatch([name, "--help"])
        assert done.returncode == 0, done.stderr
        for command in group.registered_commands:
            assert command.name in done.stdout, (name, command.name)


def test_every_name_a_command_imports_from_riskwatch_exists():
    """The commands import their work inside the function (to keep `--help` fast), so a
    name moved elsewhere fails only when that command runs: check every one here."""
    import ast
    import importlib
    import importlib.util
    from pathlib import Path

    import riskwatch.cli

    missing = []
    for path in sorted(Path(riskwatch.cli.__file__).parent.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("riskwatch"):
                module = importlib.import_module(node.module)
                missing += [
                    f"{path.name}: {node.module}.{alias.name}"
                    for alias in node.names
                    if not hasattr(module, alias.name)
                    and importlib.util.find_spec(f"{node.module}.{alias.name}") is None
                ]
    assert missing == []


def test_command_modules_keep_annotations_evaluated():
    """Typer reads every command's annotations at each start, `--help` included. Written as
    text (`from __future__ import annotations`), each costs it an `eval`: `riskwatch --help`
    took a median 0.118-0.119 s with them, 0.102-0.107 s without (typer 0.29.3)."""
    import ast
    from pathlib import Path

    import riskwatch.cli

    postponed = [
        path.name
        for path in sorted(Path(riskwatch.cli.__file__).parent.glob("*.py"))
        for node in ast.parse(path.read_text(encoding="utf-8")).body
        if isinstance(node, ast.ImportFrom)
        and node.module == "__future__"
        and any(alias.name == "annotations" for alias in node.names)
    ]
    assert postponed == []
