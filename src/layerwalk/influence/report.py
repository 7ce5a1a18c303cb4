"""A self-contained HTML report of an influence result (like the study report: every image an inline base64 PNG).

Per query image: its top proponents and opponents overall, then per layer, as thumbnails with the training index,
label and score; at the end the training images with the highest self-influence. Every thumbnail carries
``data-index`` and ``data-score`` so the page can be read by scripts (and tests) as well as by people.
"""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from layerwalk.influence.result import InfluenceResult
from layerwalk.influence.scores import Ranked

__all__ = ["img_tag", "write_report"]

_CSS = """body{font:14px system-ui,sans-serif;margin:24px;color:#222;max-width:1200px}
h2{margin-top:32px;border-top:1px solid #ccc;padding-top:16px}h3{margin:12px 0 4px}
.row{display:flex;flex-wrap:wrap;gap:6px;align-items:flex-start}.thumb{text-align:center;font-size:11px;width:76px}
.thumb img,.query img{image-rendering:pixelated;width:72px;height:72px;border:2px solid #4a4}
.opponents .thumb img{border-color:#c44}.query img{width:112px;height:112px;border-color:#333}
table{border-collapse:collapse}td{vertical-align:top;padding:2px 12px 8px 0}.layer{font-family:monospace}"""


def write_report(result: InfluenceResult, query_pixels: torch.Tensor, out: str | Path, *, top: int = 8,
                 layer_top: int = 3, query_names: list[str] | None = None, title: str = "layerwalk influence") -> Path:
    """Write the report of ``result`` to ``out``.

    Args:
        result: what ``layerwalk.influence`` returned.
        query_pixels: (Q, C, H, W) the query images for display (uint8 pixels, or any float range).
        top, layer_top: thumbnails per ranking overall and per layer.
        query_names: a caption per query (default "query q").
    """
    names = query_names or [f"query {q}" for q in range(len(result.query_labels))]
    sections = [_query_section(result, q, query_pixels[q], names[q], top, layer_top) for q in range(len(names))]
    own = result.most_self_influential(top)
    self_part = ("<h2>Highest self-influence (check their labels)</h2>"
                 f"<div class='row self'>{''.join(_thumb(result, r) for r in own)}</div>") if own else ""
    intro = (f"<h1>{html.escape(title)}</h1><p>Method <b>{html.escape(result.method)}</b>, {len(result.train)} "
             f"training images, {len(result.layers)} layers. A positive score (green) is a <b>proponent</b>: "
             "up-weighting that training image lowers the query's loss; a negative score (red) is an "
             "<b>opponent</b>. Per-layer scores sum to the total.</p>")
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
                    f"<style>{_CSS}</style></head><body>{intro}{''.join(sections)}{self_part}</body></html>",
                    encoding="utf-8")
    return path


def _query_section(result: InfluenceResult, q: int, pixels: torch.Tensor, name: str, top: int, layer_top: int) -> str:
    label = int(result.query_labels[q])
    rows = "".join(
        f"<tr><td class='layer'>{html.escape(layer)}</td>"
        f"<td><div class='row proponents'>{_strip(result, result.proponents(q, layer_top, layer))}</div></td>"
        f"<td><div class='row opponents'>{_strip(result, result.opponents(q, layer_top, layer))}</div></td></tr>"
        for layer in result.layers)
    return (f"<section class='query' data-query='{q}'><h2>{html.escape(name)} — loss at class "
            f"{html.escape(_class_name(result, label))}</h2>{img_tag(pixels, 'query')}"
            f"<h3>Proponents</h3><div class='row proponents overall'>{_strip(result, result.proponents(q, top))}</div>"
            f"<h3>Opponents</h3><div class='row opponents overall'>{_strip(result, result.opponents(q, top))}</div>"
            f"<h3>Per layer (top {layer_top})</h3><table class='layers'><tr><th>layer</th><th>proponents</th>"
            f"<th>opponents</th></tr>{rows}</table></section>")


def _strip(result: InfluenceResult, ranked: list[Ranked]) -> str:
    return "".join(_thumb(result, r) for r in ranked)


def _thumb(result: InfluenceResult, r: Ranked) -> str:
    name = _class_name(result, int(result.train.labels[r.index]))
    pixels = result.train.display[r.index] if result.train.display is not None else result.train.inputs[r.index]
    return (f"<div class='thumb' data-index='{r.index}' data-score='{r.score:.6g}'>{img_tag(pixels, f'#{r.index}')}"
            f"<br>#{r.index} {html.escape(name)}<br>{r.score:+.3g}</div>")


def _class_name(result: InfluenceResult, label: int) -> str:
    names = result.train.class_names
    return names[label] if label < len(names) else str(label)


def img_tag(pixels: torch.Tensor, alt: str) -> str:
    """(C, H, W) uint8 pixels, or normalised floats (stretched to their own range: no display copy was kept)."""
    array = pixels.detach().cpu()
    if array.dtype != torch.uint8:
        lo, hi = float(array.min()), float(array.max())
        array = ((array - lo) / max(hi - lo, 1e-12) * 255).round().to(torch.uint8)
    image = array.numpy()
    image = image[0] if image.shape[0] == 1 else np.transpose(image[:3], (1, 2, 0))
    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(image)).save(buf, "PNG")
    return f"<img src='data:image/png;base64,{base64.b64encode(buf.getvalue()).decode()}' alt='{html.escape(alt)}'>"
