"""Per-epoch training metrics: ``metrics.json`` and ``metrics.png`` (loss and accuracy curves)."""

from __future__ import annotations

import json
from pathlib import Path

__all__ = ["write_metrics", "plot_metrics"]


def write_metrics(history: list[dict], summary: dict, path: Path) -> None:
    """``{"summary": {...}, "epochs": [{"epoch", "lr", "train_loss", "train_acc", "test_loss", "test_acc", …}]}``."""
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"summary": summary, "epochs": history}, indent=1))
    tmp.replace(path)


def plot_metrics(history: list[dict], path: Path, title: str = "") -> None:
    """Loss (left) and accuracy (right) per epoch, train and test."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(9, 3.4))
    for key, ax in (("loss", ax_loss), ("acc", ax_acc)):
        for split, style in (("train", "-"), ("test", "--")):
            points = [(h["epoch"], h[f"{split}_{key}"]) for h in history if h.get(f"{split}_{key}") is not None]
            if points:
                ax.plot(*zip(*points), style, marker="." if len(points) < 30 else None, label=split)
        ax.set_xlabel("epoch")
        ax.set_ylabel(key)
        ax.legend()
        ax.grid(alpha=0.3)
    ax_acc.set_ylim(0, 1)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
