"""`riskwatch --help` must stay fast: no heavy library imported to print help."""

import subprocess
import sys

HEAVY = ("pandas", "sklearn", "statsmodels", "mlflow", "lightgbm")


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


def test_console_script_lists_command_groups():
    out = subprocess.run(
        [sys.executable, "-m", "riskwatch.cli", "--help"], capture_output=True, text=True
    )
    assert out.returncode == 0
    for group in ("data",):
        assert group in out.stdout
