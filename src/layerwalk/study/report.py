"""The study's self-contained HTML report: every figure is an inline base64 PNG."""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path

import numpy as np
from PIL import Image

__all__ = ["write_report"]

_CSS = """body{font:14px/1.45 system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:.6em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}
th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}img{image-rendering:pixelated}
.grid{display:flex;gap:14px;flex-wrap:wrap}.grid figure{margin:0}figcaption{font-size:12px;color:#555}
.verdict{background:#fff6dc;border-left:4px solid #e0a800;padding:.6em 1em}"""
_ORDER = ("standard", "shuffled", "noisy")


def _png(image, scale: int = 1) -> str:
    if isinstance(image, np.ndarray):
        image = Image.fromarray(image)
    if scale > 1:
        image = image.resize((image.width * scale, image.height * scale), Image.NEAREST)
    buf = io.BytesIO()
    image.save(buf, "PNG", optimize=True)
    return f'<img src="data:image/png;base64,{base64.b64encode(buf.getvalue()).decode()}" alt="">'


def _scale_for(array: np.ndarray, target: int = 300) -> int:
    return max(1, target // max(array.shape[:2]))


def _ci(ci) -> str:
    m, lo, hi = ci
    return "–" if m != m else f"{m:.3f} [{lo:.3f}, {hi:.3f}]"


def _accuracy(results: dict) -> str:
    rows = "".join(
        f"<tr><td>{s}</td><td>{a['train_images']}</td><td>{a['epochs']}</td><td>{a.get('train_acc', 0):.3f}</td>"
        f"<td>{a.get('test_acc', 0):.3f}</td><td>{a.get('train_acc_originals', float('nan')):.3f}</td>"
        f"<td>{a.get('train_acc_running_stats', float('nan')):.3f}</td>"
        f"<td>{a['seconds']:.0f}</td></tr>" for s, a in ((s, results["accuracy"][s]) for s in _ORDER))
    return ("<h2>1. Accuracy (like Table 5)</h2><table><tr><th>strategy</th><th>train items</th><th>epochs</th>"
            "<th>train acc. (labels trained on)</th><th>test acc.</th><th>train acc. originals (noisy)</th>"
            "<th>train acc. with training's running BN statistics</th>"
            f"<th>train s</th></tr>{rows}</table><p>Chance on the test set: {1 / 10:.2f} for 10 classes. Train "
            "accuracy is measured after training, without augmentation, on the labels each model was trained on "
            "(shuffled labels for <i>shuffled</i>, originals plus noisy copies for <i>noisy</i>), in eval mode "
            "after the BatchNorm statistics were recomputed under the final weights; the column before last is "
            "eval mode with the running statistics training left behind (what earlier reports printed; they lag "
            "behind fast-moving weights, see <code>bn_diagnosis.txt</code>).</p>")


def _curves(out: Path) -> str:
    cells = "".join(f"<figure>{_png(Image.open(out / 'runs' / s / 'metrics.png'))}<figcaption>{s}</figcaption></figure>"
                    for s in _ORDER if (out / "runs" / s / "metrics.png").exists())
    return f"<h3>Training curves</h3><div class='grid'>{cells}</div>"


def _activations(results: dict) -> str:
    layers = results["layers"]
    parts = [f"<h2>2. Activations of the last convolutional layer (like Figs. 7–9)</h2><p>Layer "
             f"<code>{layers['last']}</code> (and the middle block <code>{layers['middle']}</code>) for the same "
             "test images; white = positive, black = zero, blue = negative, one tile per channel.</p>"]
    for n, example in enumerate(results["_figures"]["standard"]):
        cells = [f"<figure>{_png(example['input'], 4)}<figcaption>test #{example['index']}: {example['label']}"
                 "</figcaption></figure>"]
        for s in _ORDER:
            row = results["_figures"][s][n]
            for key in ("last", "middle"):
                cells.append(f"<figure>{_png(row[key], _scale_for(row[key]))}<figcaption>{s} · {key} · "
                             f"predicted {html.escape(row['predicted'])}</figcaption></figure>")
        parts.append(f"<div class='grid'>{''.join(cells)}</div><hr>")
    return "".join(parts)


def _sheet(images, labels) -> str:
    from layerwalk.featurevis.report import contact_sheet

    return _png(contact_sheet(images, labels, max_tile=96))


def _featurevis(results: dict) -> str:
    rows = []
    for key in ("first", "middle", "classes"):
        layer = results["featurevis"]["standard"][key]["layer"]
        cells = "".join(f"<td>{_sheet(**results['_fv_images'][s][key])}</td>" for s in _ORDER)
        rows.append(f"<tr><td>{key}<br><code>{layer}</code></td>{cells}</tr>")
    head = "".join(f"<th>{s}</th>" for s in _ORDER)
    return ("<h2>3. Feature visualizations (like Tables 6–8)</h2><p>Gradient ascent from the same noise image, "
            f"{results['plan']['fv_steps']} steps.</p><table><tr><th>layer</th>{head}</tr>{''.join(rows)}</table>")


def _spectral(results: dict) -> str:
    head = "".join(f"<th>{s}</th>" for s in _ORDER)
    rows = []
    for lid in results["spectral_layers"]:
        for m, name in (("hf", "high-freq. fraction"), ("moran", "Moran's I"), ("active", "active channels")):
            cells = "".join(f"<td>{_ci(results['activations'][s][lid][m]['ci'])}</td>" for s in _ORDER)
            rows.append(f"<tr><td>activations <code>{lid}</code>: {name}</td>{cells}</tr>")
    for key in ("first", "middle", "classes"):
        for m, name in (("hf", "high-freq. fraction"), ("moran", "Moran's I")):
            cells = "".join(f"<td>{_ci(results['featurevis'][s][key][m]['ci'])}</td>" for s in _ORDER)
            rows.append(f"<tr><td>feature vis. {key}: {name}</td>{cells}</tr>")
    inp = results["inputs"]
    return ("<h2>4. Spectral measures (beyond the paper)</h2><p>High-frequency fraction = share of a map's power "
            "(mean removed) above half the Nyquist frequency (0.25 cycles/pixel); white noise gives 0.80, a smooth "
            "map ≈0. Moran's I with 4-neighbour weights: +1 = neighbouring pixels have similar activation, 0 = no "
            "spatial structure. Activation measures average the active (non-constant) channels of each image; the "
            f"intervals are 95 % bootstrap intervals over {results['plan']['analysis_images']} test images "
            "(activations) or over the visualized channels (feature vis.). For reference, the test images "
            "themselves: high-freq. "
            f"{_ci(inp['hf']['ci'])}, Moran's I {_ci(inp['moran']['ci'])}.</p>"
            f"<table><tr><th>measure</th>{head}</tr>{''.join(rows)}</table>")


def _needed(row: dict) -> str:
    p = row.get("power")
    if not p:
        return "<td>–</td><td>–</td>"
    need = "no difference measured" if p["needed"] is None else f"{p['needed']:,}"
    return f"<td>{p['units']}{' pairs' if p['paired'] else ''}</td><td>{need}</td>"


def _table5(results: dict) -> str:
    t = results.get("table5")
    if not t:
        return ""
    from layerwalk.study.table5 import PAPER_CLASSES, PAPER_TABLE5

    paper = "".join(f"<tr><td>{a}</td><td>{d} ({PAPER_CLASSES[d]} classes)</td><td>{s}</td><td>{acc:.2f}</td></tr>"
                    for (a, d, s), acc in PAPER_TABLE5.items())
    checks = "".join(f"<tr><td>{html.escape(c['claim'])}</td><td>{html.escape(c['paper'])}</td>"
                     f"<td>{html.escape(c['ours'])}</td><td>{'yes' if c['holds'] else 'no'}</td></tr>"
                     for c in t["checks"])
    verdict = "reproduces" if t["reproduced"] else "does not fully reproduce"
    return (f"<h2>Comparison with the paper's Table 5</h2><p class='verdict'><b>This run {verdict} the pattern of "
            f"Table 5</b> ({sum(c['holds'] for c in t['checks'])} of {len(t['checks'])} checks hold; chance here "
            f"{t['chance']:.2f}; test intervals are 95 % Wilson intervals over the test images).</p>"
            "<table><tr><th>claim</th><th>paper</th><th>this run</th><th>holds</th></tr>"
            f"{checks}</table><details><summary>The paper's Table 5 (test accuracy)</summary><table><tr>"
            f"<th>architecture</th><th>dataset</th><th>strategy</th><th>test acc.</th></tr>{paper}</table>"
            "</details>")


def _verdict(results: dict) -> str:
    v = results["verdict"]
    rows = "".join(f"<tr><td>{r['measure']}</td><td>{r['model']} vs standard</td><td>{r['expected']}</td>"
                   f"<td>{_ci(r['difference'])}</td><td>{r['outcome']}</td>{_needed(r)}</tr>" for r in v["rows"])
    caveats = "".join(f"<li>{html.escape(c)}</li>" for c in v["caveats"])
    return (f"<h2>Verdict</h2><p class='verdict'><b>{html.escape(v['text'])}</b>: {v['supports']} of {v['total']} "
            f"predictions supported, {v['contradicts']} contradicted (95 % bootstrap interval of the difference "
            f"excludes 0).</p>{'<p>Caveats:</p><ul>' + caveats + '</ul>' if caveats else ''}"
            "<p>The paper predicts that memorizing models (shuffled, noisy) carry more high-frequency energy and less "
            "spatial autocorrelation than the standard model. Activation measures compare the same test images "
            "under two models image by image (paired bootstrap); feature visualizations compare channels "
            "(independent bootstrap). The last two columns: how many images/channels the comparison used, and how "
            "many it would need for 80 % power at the 5 % level if the measured difference and spread are the true "
            "ones (normal approximation, Cohen 1988) — a power estimate for an inconclusive row, a margin for a "
            "decided one.</p><table><tr><th>measure</th><th>comparison</th><th>expected</th>"
            "<th>difference [95 % CI]</th><th>outcome</th><th>used</th><th>needed (80 % power)</th></tr>"
            f"{rows}</table>")


def write_report(results: dict, out: Path) -> Path:
    """Write ``out/report.html`` from ``run_study``'s results."""
    plan = results["plan"]
    intro = (f"<h1>How do CNNs memorize? {html.escape(results['model'])} on {html.escape(results['dataset'])}</h1>"
             f"<p>Three training strategies (paper §4.1) at {plan['image_size'][0]}×{plan['image_size'][1]} pixels, "
             f"{plan['train_subset'] or 'all'} training images, {plan['epochs']} epochs, {plan['copies']} noisy "
             f"copies, Lamb with stepwise decay to 0.001× the initial rate, on {results['device']} "
             f"(budget {plan['budget_minutes']} min, took {results.get('minutes', '?')} min).</p>"
             f"<p>Scale: {html.escape(plan.get('scale') or str(plan['images_per_second']) + ' training images/s')}"
             f"; at the best measured throughput the planner expected {plan.get('training_minutes', '?')} min of "
             "training.</p>")
    body = "".join([intro, _table5(results), _verdict(results), _accuracy(results), _curves(out), _activations(results),
                    _featurevis(results), _spectral(results)])
    path = out / "report.html"
    path.write_text(f"<!doctype html><html><head><meta charset='utf-8'><title>layerwalk study</title>"
                    f"<style>{_CSS}</style></head><body>{body}</body></html>")
    return path
