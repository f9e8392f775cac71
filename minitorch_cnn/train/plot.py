"""Training curves as a PNG (needs the ``plot`` extra: matplotlib)."""

from __future__ import annotations

import os
import tempfile

from ..serialization import current_umask


def require_matplotlib():
    """``matplotlib.pyplot`` on the file-only Agg backend, or an ImportError saying how to get it."""
    try:
        import matplotlib
    except ImportError:
        raise ImportError("plots need matplotlib: pip install 'minitorch_cnn[plot]'") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def save_figure(figure, path) -> None:
    """Write the figure to ``path`` through a temporary file, so a reader never sees half a PNG."""
    folder = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(prefix=".tmp-", suffix=".png", dir=folder)
    os.close(handle)
    try:
        os.chmod(temporary, 0o666 & ~current_umask())
        figure.savefig(temporary, dpi=100, format="png")
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def plot_curves(history: list[dict], path) -> None:
    """Loss and top-1 accuracy per epoch, training and test side by side."""
    plt = require_matplotlib()
    epochs = [row["epoch"] for row in history]
    figure, (loss_axes, accuracy_axes) = plt.subplots(1, 2, figsize=(10, 4))
    for split, style in (("train", "-o"), ("test", "-s")):
        if all(f"{split}_loss" in row for row in history):
            loss_axes.plot(epochs, [row[f"{split}_loss"] for row in history], style, label=split, markersize=3)
            accuracy_axes.plot(epochs, [100 * row[f"{split}_top1"] for row in history], style, label=split,
                               markersize=3)
    loss_axes.set(xlabel="epoch", ylabel="loss", title="loss")
    accuracy_axes.set(xlabel="epoch", ylabel="top-1 accuracy (%)", title="accuracy")
    for axes in (loss_axes, accuracy_axes):
        axes.grid(alpha=0.3)
        axes.legend()
    figure.tight_layout()
    save_figure(figure, path)
    plt.close(figure)
