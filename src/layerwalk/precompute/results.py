"""The merged result of a run as files (Parquet tables, safetensors, PNG atlases) and as a Python object."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from PIL import Image
from safetensors.numpy import load_file, save

from layerwalk.errors import LayerwalkError
from layerwalk.layout import grid_shape
from layerwalk.precompute.shard import ShardResult
from layerwalk.precompute.stats import histogram_edges
from layerwalk.precompute.store import RunStore, atomic_write


def _parquet_bytes(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="zstd")
    return sink.getvalue()


def topk_table(result: ShardResult, shapes: dict[str, tuple[int, ...]]) -> pa.Table:
    """One row per (layer, channel, kind, rank): the image index, its value and where in the map it was."""
    cols: dict[str, list] = {k: [] for k in ("layer", "channel", "kind", "rank", "image", "value", "y", "x")}
    for layer, part in result.items():
        width = shapes[layer][-1] if len(shapes[layer]) >= 3 else None
        for kind, t in (("top", part.top), ("bottom", part.bottom)):
            k, c = t.values.shape
            cols["layer"].append(np.full(k * c, layer, dtype=object))
            cols["channel"].append(np.tile(np.arange(c, dtype=np.int32), k))
            cols["kind"].append(np.full(k * c, kind, dtype=object))
            cols["rank"].append(np.repeat(np.arange(k, dtype=np.int16), c))
            cols["image"].append(t.indices.reshape(-1))
            cols["value"].append(t.values.reshape(-1))
            loc = t.locations.reshape(-1)
            cols["y"].append((loc // width).astype(np.int32) if width else np.full(k * c, -1, np.int32))
            cols["x"].append((loc % width).astype(np.int32) if width else np.full(k * c, -1, np.int32))
    return pa.table({name: np.concatenate(parts) for name, parts in cols.items()})


def stats_table(result: ShardResult) -> pa.Table:
    cols: dict[str, list] = {k: [] for k in ("layer", "channel", "max", "min", "mean", "std", "fraction_active",
                                             "dead")}
    for layer, part in result.items():
        s = part.stats
        c = s.max.shape[0]
        cols["layer"].append(np.full(c, layer, dtype=object))
        cols["channel"].append(np.arange(c, dtype=np.int32))
        for name in ("max", "min", "mean", "std", "fraction_active", "dead"):
            cols[name].append(np.asarray(getattr(s, name)))
    return pa.table({name: np.concatenate(parts) for name, parts in cols.items()})


def crop_atlas(tiles: list[Image.Image]) -> Image.Image:
    """Square tiles on the same near-square grid (1-px gaps) as the client's activation atlases."""
    tile, gap = tiles[0].width, 1
    cols, rows = grid_shape(len(tiles))
    sheet = Image.new("RGB", (cols * (tile + gap) - gap, rows * (tile + gap) - gap))
    for i, image in enumerate(tiles):
        r, c = divmod(i, cols)
        sheet.paste(image, (c * (tile + gap), r * (tile + gap)))
    return sheet


def write_results(store: RunStore, result: ShardResult, manifest: dict, network, dataset, what, tile: int) -> None:
    """Write every result file, the manifest last: a directory with a manifest is complete."""
    shapes = {node["id"]: tuple(node["shape"]) for node in manifest["layers"]}
    if "topk" in what:
        atomic_write(store.dir / "topk.parquet", _parquet_bytes(topk_table(result, shapes)))
    if "stats" in what:
        atomic_write(store.dir / "stats.parquet", _parquet_bytes(stats_table(result)))
        hists = {layer: part.stats.max_histogram for layer, part in result.items()}
        atomic_write(store.dir / "histograms.safetensors",
                     save({**hists, "__edges__": histogram_edges()}))
    if "crops" in what:
        _write_atlases(store, result, manifest, network, dataset, tile)
    if "embeddings" in what:
        _write_embeddings(store, result, manifest, dataset)
    atomic_write(store.dir / "manifest.json", json.dumps(manifest, indent=1, sort_keys=True).encode())


def _project(features: np.ndarray, method: str) -> np.ndarray:
    """(N, C) → (N, 2), deterministic: PCA (full SVD), or openTSNE with a fixed seed, PCA-initialised."""
    from sklearn.decomposition import PCA

    if len(features) < 3:
        return np.zeros((len(features), 2), np.float32)
    pcs = PCA(n_components=2, svd_solver="full").fit_transform(features.astype(np.float64))
    if method == "pca":
        return pcs.astype(np.float32)
    from openTSNE import TSNE

    perplexity = min(50.0, (len(features) - 1) / 3)  # ConvViz's 50, unless there are too few points
    init = pcs / pcs[:, 0].std() * 1e-4
    return np.asarray(TSNE(perplexity=perplexity, initialization=init, random_state=0, n_jobs=1)
                      .fit(features.astype(np.float64)), np.float32)


def _write_embeddings(store: RunStore, result: ShardResult, manifest: dict, dataset) -> None:
    """Per embedding layer: every image's pooled activations (safetensors) and their 2-D projection (Parquet)."""
    method = manifest["params"]["embedding"]
    layers = list(manifest["params"]["embedding_layers"])
    n = manifest["dataset"]["images"]
    labels = np.array([-1 if (lab := dataset.label(i)) is None else lab for i in range(n)], np.int32)
    cols: dict[str, list] = {k: [] for k in ("layer", "image", "label", "x", "y")}
    for layer in layers:
        xy = _project(result[layer].features, method)
        cols["layer"].append(np.full(n, layer, dtype=object))
        cols["image"].append(np.arange(n, dtype=np.int64))
        cols["label"].append(labels)
        cols["x"].append(xy[:, 0])
        cols["y"].append(xy[:, 1])
    table = pa.table({name: np.concatenate(parts) for name, parts in cols.items()})
    atomic_write(store.dir / "embeddings.parquet", _parquet_bytes(table))
    atomic_write(store.dir / "embeddings.safetensors", save({layer: result[layer].features for layer in layers}))


def _unit_boxes(network, manifest: dict):
    """Per layer, the input window each unit sees (``analysis.receptive_fields``), or None → the whole image."""
    from layerwalk.analysis import receptive_fields

    try:
        fields = receptive_fields(network)
    except Exception as e:  # an op the analysis cannot follow: crops fall back to whole images, and say so
        manifest["crops"] = f"whole images (receptive fields unavailable: {e})"
        return {}
    manifest["crops"] = "receptive field of the most active unit"
    return {layer: fields[layer] for layer in (n["id"] for n in manifest["layers"])
            if layer in fields.fields and fields[layer].known and fields[layer].y is not None}


def _write_atlases(store: RunStore, result: ShardResult, manifest: dict, network, dataset, tile: int) -> None:
    """One atlas per layer: each channel's top example, cropped to the receptive field of its most active unit."""
    boxes = _unit_boxes(network, manifest)
    fitted: dict[int, Image.Image] = {}  # the same image is the top example of many channels: fit it once
    ids = [n["id"] for n in manifest["layers"]]
    for i, (layer, part) in enumerate(result.items()):
        width = manifest["layers"][ids.index(layer)]["shape"][-1]
        tiles = []
        for index, location in zip(part.top.indices[0].tolist(), part.top.locations[0].tolist()):
            if index not in fitted:
                fitted[index] = network.display_image(network.preprocess(dataset.image(index))).convert("RGB")
            image = fitted[index]
            if layer in boxes:
                y0, x0, y1, x1 = boxes[layer].unit_box(location // width, location % width)
                image = image.crop((max(x0, 0), max(y0, 0), min(x1 + 1, image.width), min(y1 + 1, image.height)))
            tiles.append(image.resize((tile, tile), Image.Resampling.BILINEAR))
        buf = io.BytesIO()
        crop_atlas(tiles).save(buf, format="PNG", compress_level=1)
        atomic_write(store.dir / "atlases" / f"{i:04d}.png", buf.getvalue())
        manifest["layers"][ids.index(layer)]["atlas"] = f"atlases/{i:04d}.png"


@dataclass
class Precomputed:
    """A finished run, read back. Tables are pyarrow Tables (``.to_pandas()`` if you have pandas).

    >>> pre = load_precomputed("microscope/")          # doctest: +SKIP
    >>> pre.topk("layer4.2.conv3", channel=7)           # doctest: +SKIP
    """

    dir: Path
    manifest: dict

    @property
    def layers(self) -> list[str]:
        return [n["id"] for n in self.manifest["layers"]]

    def _check(self, layer: str) -> None:
        if layer not in self.layers:
            raise LayerwalkError(f"layer {layer!r} was not precomputed; precomputed layers: "
                                 f"{', '.join(self.layers[:8])}{' …' if len(self.layers) > 8 else ''}")

    def topk(self, layer: str, channel: int | None = None, kind: str = "top") -> pa.Table:
        self._check(layer)
        table = pq.read_table(self.dir / "topk.parquet", filters=[("layer", "=", layer), ("kind", "=", kind)])
        if channel is not None:
            table = table.filter(pa.compute.equal(table["channel"], channel))
        return table.sort_by([("channel", "ascending"), ("rank", "ascending")])

    def stats(self, layer: str | None = None) -> pa.Table:
        filters = None
        if layer is not None:
            self._check(layer)
            filters = [("layer", "=", layer)]
        return pq.read_table(self.dir / "stats.parquet", filters=filters)

    def histograms(self, layer: str) -> tuple[np.ndarray, np.ndarray]:
        """(C, bins) counts of each channel's per-image maximum, and the positive-half bin edges."""
        self._check(layer)
        data = load_file(str(self.dir / "histograms.safetensors"))
        return data[layer], data["__edges__"]

    def embeddings(self, layer: str | None = None) -> pa.Table:
        """Every image's 2-D position (PCA or t-SNE of its pooled activations): layer, image, label, x, y."""
        path = self.dir / "embeddings.parquet"
        if not path.exists():
            raise LayerwalkError("this run did not compute embeddings; rerun with --what including embeddings")
        return pq.read_table(path, filters=[("layer", "=", layer)] if layer else None)

    def features(self, layer: str) -> np.ndarray:
        """(images, channels) pooled activations of an embedding layer, in dataset order."""
        data = load_file(str(self.dir / "embeddings.safetensors"))
        if layer not in data:
            raise LayerwalkError(f"no embedding for {layer!r}; embedding layers: {', '.join(data)}")
        return data[layer]

    def atlas_path(self, layer: str) -> Path:
        self._check(layer)
        node = self.manifest["layers"][self.layers.index(layer)]
        if "atlas" not in node:
            raise LayerwalkError("this run did not compute crops; rerun with --what including crops")
        return self.dir / node["atlas"]


def load_precomputed(path: str | Path, key: str | None = None) -> Precomputed:
    """Open a finished run: ``path`` is the run directory itself or the ``--out`` directory holding runs."""
    path = Path(path)
    candidates = [path] if (path / "manifest.json").exists() else sorted(
        p for p in path.glob("*") if (p / "manifest.json").exists() and (key is None or p.name == key))
    if not candidates:
        raise LayerwalkError(f"no finished precompute run in {path} (a run is finished when its manifest.json "
                             "exists; rerun `layerwalk precompute` with the same arguments to finish it)")
    if len(candidates) > 1:
        raise LayerwalkError(f"{path} holds {len(candidates)} runs; pass key= one of "
                             f"{', '.join(p.name for p in candidates)}")
    run = candidates[0]
    return Precomputed(run, json.loads((run / "manifest.json").read_text()))


def find_precomputed(roots, network) -> Precomputed | None:
    """The finished run under any of ``roots`` made for ``network``: same weights and preprocessing.

    A run of another model, other weights or another input size is never returned, whatever its folder name.
    """
    from layerwalk.featurevis.cache import weights_fingerprint

    weights = weights_fingerprint(network.model)
    for root in roots:
        root = Path(root)
        runs = [root] if (root / "manifest.json").exists() else sorted(root.glob("*/manifest.json"))
        for run in runs:
            run = run if run.is_dir() else run.parent
            manifest = json.loads((run / "manifest.json").read_text())
            if manifest["weights"] == weights and manifest["input_size"] == list(network.input_size):
                return Precomputed(run, manifest)
    return None
