"""Writing a feature-visualization result to disk: one PNG per channel, a contact sheet, the objective plot."""

from __future__ import annotations

import json
from pathlib import Path

from PIL import Image, ImageDraw

from layerwalk.engine.colormap import grid_shape


def contact_sheet(images: list[Image.Image], labels: list[str], max_tile: int = 160) -> Image.Image:
    """All images on a near-square grid with a label under each."""
    tile = min(max_tile, max(images[0].size))
    cols, rows = grid_shape(len(images))
    label_h = 14
    sheet = Image.new("RGB", (cols * (tile + 4), rows * (tile + label_h + 4)), (24, 24, 28))
    draw = ImageDraw.Draw(sheet)
    for i, (img, label) in enumerate(zip(images, labels)):
        r, c = divmod(i, cols)
        x, y = c * (tile + 4) + 2, r * (tile + label_h + 4) + 2
        sheet.paste(img.convert("RGB").resize((tile, tile), Image.Resampling.LANCZOS), (x, y))
        draw.text((x + 2, y + tile + 1), label[:tile // 6], fill=(220, 220, 220))
    return sheet


def objective_plot(result, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.5), dpi=100)
    ax.plot(result.history, alpha=0.35, linewidth=0.8)
    ax.plot(result.history.mean(1), color="black", linewidth=2, label="mean over channels")
    ax.set_xlabel("step")
    ax.set_ylabel("objective (mean activation)")
    ax.set_title(f"feature visualization of {result.layer}")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def write_featurevis(result, out: Path, class_names: list[str] | None = None) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    labels = []
    for c, img in zip(result.channels, result.images):
        name = f"{result.layer}_{c:04d}.png"
        img.save(out / name)
        labels.append(f"{c} {class_names[c]}" if class_names else f"channel {c}")
    sheet_path = out / "contact_sheet.png"
    contact_sheet(result.images, labels).save(sheet_path)
    objective_plot(result, out / "objective.png")
    (out / "featurevis.json").write_text(json.dumps({
        "layer": result.layer, "target": result.target, "channels": result.channels, "style": result.style,
        "objective": result.objective, "dead_channels": result.dead_channels, "attempts": result.attempts,
        "receptive_field": result.receptive_field,
        "start_objective": result.start_objective.tolist(), "final_objective": result.final_objective.tolist(),
        "seconds": result.seconds, "params": {k: str(v) for k, v in vars(result.params).items()},
    }, indent=1))
    return {"contact_sheet": str(sheet_path), "objective_plot": str(out / "objective.png")}
