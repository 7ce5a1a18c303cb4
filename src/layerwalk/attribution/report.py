"""Files of a result (what ``layerwalk attribute --out DIR`` writes): a PNG per layer and target, the input map
per target, the overview sheet (targets × layers, like the dissertation's Fig. 5.4) and result.json."""

from __future__ import annotations

import json
import re
from pathlib import Path

from layerwalk.attribution.figures import input_overlay, map_image, overview_figure


def write_attribution(result, out: Path, min_side: int = 128) -> dict:
    """Write everything into ``out``; returns ``{"overview", "json", "maps": [paths]}``."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for pos, target in enumerate(result.targets):
        stem = f"class{target['index']}"
        for lid in result.layers:
            values = result.maps[lid][pos]
            scale = max(1, min_side // max(values.shape))
            path = out / f"{stem}_{_safe(lid)}.png"
            map_image(values, (values.shape[0] * scale, values.shape[1] * scale)).save(path)
            written.append(path)
        if result.input_map is not None:
            path = out / f"{stem}_input.png"
            input_overlay(result, target["index"]).save(path)
            written.append(path)
    overview = out / "overview.png"
    overview_figure(result).savefig(overview, dpi=110)
    summary = out / "result.json"
    summary.write_text(json.dumps(result.to_dict(), indent=1))
    return {"overview": overview, "json": summary, "maps": written}


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name)
