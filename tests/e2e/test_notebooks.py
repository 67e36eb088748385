"""The notebooks run in the test suite so they never rot."""

import nbformat
import pytest
from conftest import REPO
from nbclient import NotebookClient

pytestmark = pytest.mark.slow  # runs every notebook in a kernel

NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs(path, tmp_path):
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(
        notebook,
        timeout=900,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    ).execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    charts = {"image/png", "image/svg+xml"}  # matplotlib figures, or the pack's inline SVG
    assert any(charts & set(o.get("data", {})) for o in outputs)


def test_there_are_notebooks():
    assert {p.name for p in NOTEBOOKS} >= {"backtest.ipynb", "council_explained.ipynb"}
