"""The README's styles figure: the same demo units visualized in each style — the paper's (default), Lucid's
decorrelated Fourier images and ConvViz's variant — one row per style, with the objective each image reaches.

Units: channels of a middle layer and class neurons of the demo model (EfficientNet-Lite0, ImageNet weights), all
from the same seed; each style runs with its own defaults except ``--steps`` (one number for all, so the rows
cost the same) and ``--size`` (the model's input size; smaller is faster on a CPU). ConvViz starts from dataset
crops (the ``photos`` dataset) and draws its canvas at the layer's receptive field, at least 35 px.

Run:  nice -n 19 .venv/bin/python benchmarks/featurevis_styles_figure.py [--steps 64] [--size 128]
      [--layer _blocks.3._project_conv.conv2d] [--channels 0-3] [--classes 1,130,949]
      [--out docs/screenshots/featurevis_styles.png]
"""

from __future__ import annotations

import argparse
import json
import time

from PIL import Image, ImageDraw

from layerwalk.engine import Network
from layerwalk.featurevis import featurevis
from layerwalk.featurevis.render import STYLES

TILE, LABEL_W, HEAD = 128, 150, 34


def render_row(net: Network, style: str, layer: str, channels: str, classes: list[int], steps: int) -> dict:
    """Images and final objectives of one style: the layer's channels, then the class neurons."""
    t0 = time.perf_counter()
    runs = [featurevis(net, layer, channels, style=style, steps=steps, start="noise:0", cache=False),
            featurevis(net, "output", classes, style=style, steps=steps, start="noise:0", cache=False)]
    return {"images": [img for r in runs for img in r.images],
            "objective": [float(v) for r in runs for v in r.final_objective],
            "units": [f"{'class' if r.layer == 'output' else 'ch'} {c}" for r in runs for c in r.channels],
            "seconds": round(time.perf_counter() - t0, 1)}


def sheet(rows: dict[str, dict], class_names: list[str], classes: list[int], size: int, layer: str) -> Image.Image:
    """One row per style; the column heads name the unit (class neurons by class name)."""
    scale = TILE / size
    units = next(iter(rows.values()))["units"]
    out = Image.new("RGB", (LABEL_W + TILE * len(units), HEAD + (TILE + 16) * len(rows)), (24, 24, 28))
    draw = ImageDraw.Draw(out)
    names = {f"class {c}": class_names[c][:18] for c in classes}
    for i, unit in enumerate(units):
        draw.text((LABEL_W + i * TILE + 4, 4), f"{unit}\n{names.get(unit, layer)}", fill=(230, 230, 230))
    for j, (style, row) in enumerate(rows.items()):
        y = HEAD + j * (TILE + 16)
        draw.text((6, y + TILE // 2 - 8), f"{style}\n{row['seconds']:.0f} s", fill=(230, 230, 230))
        for i, (img, value) in enumerate(zip(row["images"], row["objective"])):
            # one scale for every style: ConvViz's canvas (the receptive field) shows smaller than the input
            tile = img.convert("RGB").resize((round(img.width * scale), round(img.height * scale)),
                                             Image.Resampling.LANCZOS)
            out.paste(tile, (LABEL_W + i * TILE + (TILE - tile.width) // 2, y + (TILE - tile.height) // 2))
            draw.text((LABEL_W + i * TILE + 4, y + TILE + 2), f"objective {value:.3g}", fill=(160, 170, 185))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--steps", type=int, default=64)
    ap.add_argument("--size", type=int, default=128, help="input size in pixels (the model's own is 224)")
    ap.add_argument("--layer", default="_blocks.3._project_conv.conv2d")
    ap.add_argument("--channels", default="0-3")
    ap.add_argument("--classes", default="1,130,949")
    ap.add_argument("--out", default="docs/screenshots/featurevis_styles.png")
    args = ap.parse_args()
    net = Network.from_spec("demo", dataset="photos", input_size=(3, args.size, args.size))
    classes = [int(c) for c in args.classes.split(",")]
    rows = {}
    for style in STYLES:
        rows[style] = render_row(net, style, args.layer, args.channels, classes, args.steps)
        print(style, {k: rows[style][k] for k in ("units", "objective", "seconds")}, flush=True)
    short = ".".join(part.strip("_") for part in args.layer.split(".")[:2])   # _blocks.3.… → blocks.3
    sheet(rows, list(net.class_names or []), classes, args.size, short).save(args.out)
    print(json.dumps({"steps": args.steps, "size": args.size, "out": args.out}))


if __name__ == "__main__":
    main()
