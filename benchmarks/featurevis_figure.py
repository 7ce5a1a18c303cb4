"""The README's comparison figure: paper-default feature visualization vs. the improvements (Fourier
parameterisation + ReLU-gradient override) on class neurons of the demo model, and the fraction of images the
model classifies as their own class.

Run:  .venv/bin/python benchmarks/featurevis_figure.py [--steps 200] [--out docs/screenshots/featurevis_compare.png]
"""

from __future__ import annotations

import argparse
import json
import time

from PIL import Image, ImageDraw

from layerwalk.data import load_dataset
from layerwalk.engine import Network
from layerwalk.featurevis import featurevis

CLASSES = [1, 130, 285, 417, 949, 980]  # goldfish, flamingo, Egyptian cat, balloon, strawberry, volcano


def run(net, variant: dict, steps: int):
    t0 = time.perf_counter()
    r = featurevis(net, "output", CLASSES, start="noise:0", steps=steps, cache=False, **variant)
    hits = [net.set_input(img).classification(1)[0].index == c for c, img in zip(CLASSES, r.images)]
    return r, sum(hits) / len(hits), time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--out", default="docs/screenshots/featurevis_compare.png")
    args = ap.parse_args()
    net = Network.from_spec("demo", dataset=load_dataset("photos"))
    variants = {"paper default": {}, "Fourier + ReLU override": {"parameterization": "fourier", "relu_override": True}}
    rows, report = [], {}
    for name, variant in variants.items():
        r, fraction, seconds = run(net, variant, args.steps)
        rows.append((name, r.images))
        report[name] = {"own_class_fraction": fraction, "seconds": round(seconds, 1)}
        print(name, report[name], flush=True)
    tile, label_w = 160, 150
    sheet = Image.new("RGB", (label_w + tile * len(CLASSES), 20 + tile * len(rows)), (24, 24, 28))
    draw = ImageDraw.Draw(sheet)
    for i, c in enumerate(CLASSES):
        draw.text((label_w + i * tile + 4, 4), net.class_names[c][:24], fill=(230, 230, 230))
    for j, (name, images) in enumerate(rows):
        draw.text((6, 20 + j * tile + tile // 2), f"{name}\n{report[name]['own_class_fraction']:.0%} own class",
                  fill=(230, 230, 230))
        for i, img in enumerate(images):
            sheet.paste(img.convert("RGB").resize((tile, tile)), (label_w + i * tile, 20 + j * tile))
    sheet.save(args.out)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
