"""Charts as PNG bytes, and embedded as base64 so a report opens with no network."""

from __future__ import annotations

import base64
import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

plt.rcParams.update({"figure.dpi": 100, "font.size": 9, "svg.hashsalt": "riskwatch"})


def figure(width: float = 6.0, height: float = 3.6, columns: int = 1):
    """A new figure and axes (one row of `columns`) of the given size, laid out as drawn."""
    return plt.subplots(1, columns, figsize=(width, height), layout="constrained")


def png_bytes(fig) -> bytes:
    """The figure as PNG, with no timestamp metadata (identical inputs give identical bytes)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    plt.close(fig)
    return buffer.getvalue()


def img_tag(png: bytes, alt: str) -> str:
    """An <img> whose source is the PNG itself, base64-encoded."""
    encoded = base64.b64encode(png).decode("ascii")
    return f'<img alt="{alt}" src="data:image/png;base64,{encoded}">'
