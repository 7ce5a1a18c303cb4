"""precompute(): top-k equals brute force for any shard size, resumes exactly, runs the same on Ray."""

import hashlib
import os
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import numpy as np
import pytest
import torch

import layerwalk
from layerwalk.data import load_dataset
from layerwalk.errors import LayerwalkError
from layerwalk.precompute import PrecomputeParams, load_precomputed, precompute
from layerwalk.precompute.shard import as_channel_maps, batches

FASHION = Path("/usr/share/datasets/fashion-mnist")


def _digest(run_dir: Path) -> dict[str, str]:
    """sha256 of every result file (shards included) — "byte-identical" made checkable."""
    return {str(p.relative_to(run_dir)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(run_dir.rglob("*")) if p.is_file()}


def _brute_force(network, dataset, n, layers, batch_size):
    """Every image's per-channel spatial max (and where), computed without any streaming or merging."""
    maxima = {layer: [] for layer in layers}
    for batch in batches(0, n, batch_size):
        x = torch.cat([network.preprocess(dataset.image(i)) for i in batch])
        with torch.inference_mode():
            out = network.captured.run(x, record=set(layers))
        for layer in layers:
            maxima[layer].append(as_channel_maps(out[layer]).max(dim=2))
    return {layer: (torch.cat([v for v, _ in m]).numpy(), torch.cat([i for _, i in m]).numpy())
            for layer, m in maxima.items()}


def _check_against_brute_force(pre, brute, k):
    for layer, (values, where) in brute.items():
        table = pre.topk(layer).to_pydict()
        channels = values.shape[1]
        assert len(table["image"]) == channels * min(k, values.shape[0])
        for c in range(channels):
            # brute force: sort all images by (value descending, index ascending)
            order = np.lexsort((np.arange(values.shape[0]), -values[:, c]))[:k]
            rows = [i for i, ch in enumerate(table["channel"]) if ch == c]
            assert [table["image"][i] for i in rows] == order.tolist(), (layer, c)
            assert [table["value"][i] for i in rows] == values[order, c].tolist()
            width = pre.manifest["layers"][pre.layers.index(layer)]["shape"][-1]
            if len(pre.manifest["layers"][pre.layers.index(layer)]["shape"]) == 3:
                assert [table["y"][i] * width + table["x"][i] for i in rows] == where[order, c].tolist()


@pytest.fixture(scope="module")
def photos_demo():
    ds = load_dataset("photos")
    return layerwalk.Network.from_spec("demo", dataset=ds), ds


def test_demo_on_photos_equals_brute_force_for_any_shard_size(photos_demo, tmp_path):
    net, ds = photos_demo
    layers = ("_conv_stem.conv2d", "_blocks.5._project_conv.conv2d", "_fc", "output")
    brute = _brute_force(net, ds, len(ds), layers, 4)
    digests = []
    for shard in (4, 8, 16):
        pre = precompute(net, ds, tmp_path / f"s{shard}", PrecomputeParams(k=5, batch_size=4, shard_size=shard,
                                                                          layers=layers), progress=False)
        _check_against_brute_force(pre, brute, 5)
        digests.append(_digest(pre.dir)["topk.parquet"])
    assert len(set(digests)) == 1  # the top-k table does not depend on the shard size, byte for byte
    stats = pre.stats("output").to_pydict()
    assert stats["channel"] == list(range(1000)) and max(stats["max"]) > 0.3  # chelsea is confidently a cat
    atlas = pre.atlas_path("_conv_stem.conv2d")
    from PIL import Image
    assert Image.open(atlas).size == (6 * 49 - 1, 6 * 49 - 1)  # 32 channels → a 6×6 grid of 48-px crops
    assert pre.manifest["crops"] == "receptive field of the most active unit"
    # embeddings: the last spatial layer's pooled activations of every image, and their PCA
    assert pre.manifest["params"]["embedding_layers"] == ["_blocks.5._project_conv.conv2d"]
    pooled = []
    for batch in batches(0, len(ds), 4):
        with torch.inference_mode():
            out = net.captured.run(torch.cat([net.preprocess(ds.image(i)) for i in batch]))
        pooled.append(as_channel_maps(out["_blocks.5._project_conv.conv2d"]).mean(dim=2))
    pooled = torch.cat(pooled).numpy()
    np.testing.assert_allclose(pre.features("_blocks.5._project_conv.conv2d"), pooled, rtol=1e-5, atol=1e-6)
    from sklearn.decomposition import PCA

    emb = pre.embeddings("_blocks.5._project_conv.conv2d").to_pydict()
    assert emb["image"] == list(range(13)) and emb["label"] == [ds.label(i) for i in range(13)]
    expected_xy = PCA(n_components=2, svd_solver="full").fit_transform(pooled.astype(np.float64))
    got_xy = np.stack([emb["x"], emb["y"]], axis=1)
    np.testing.assert_allclose(np.abs(got_xy), np.abs(expected_xy), rtol=1e-3, atol=1e-3)  # PCA signs are free
    # channel 7's tile is its top image cropped to the receptive field of the unit where the max was
    from layerwalk.analysis import receptive_fields

    top = pre.topk("_blocks.5._project_conv.conv2d", channel=7).to_pylist()[0]
    y0, x0, y1, x1 = receptive_fields(net)["_blocks.5._project_conv.conv2d"].unit_box(top["y"], top["x"])
    fitted = net.display_image(net.preprocess(ds.image(top["image"]))).convert("RGB")
    expected = fitted.crop((max(x0, 0), max(y0, 0), x1 + 1, y1 + 1)).resize((48, 48), Image.Resampling.BILINEAR)
    sheet = Image.open(pre.atlas_path("_blocks.5._project_conv.conv2d")).convert("RGB")
    cols = -(-sheet.width // 49)
    r, c = divmod(7, cols)
    tile = sheet.crop((c * 49, r * 49, c * 49 + 48, r * 49 + 48))
    assert np.array_equal(np.asarray(tile), np.asarray(expected))


@pytest.mark.slow
@pytest.mark.skipif(not FASHION.exists(), reason="needs Debian's dataset-fashion-mnist (scripts/setup installs it)")
def test_covidresnet_on_2000_fashion_mnist_images_equals_brute_force(tmp_path):
    ds = load_dataset("fashion-mnist")
    torch.manual_seed(0)
    net = layerwalk.Network.from_spec("covidresnet", dataset=ds, input_size=(1, 32, 32))
    layers = [n.id for n in net.graph if n.has_activation and n.id != "input"][::4] + ["output"]
    brute = _brute_force(net, ds, 2000, layers, 50)
    for shard in (50, 350, 2000):
        pre = precompute(net, ds, tmp_path / f"s{shard}", PrecomputeParams(
            k=16, batch_size=50, shard_size=shard, layers=tuple(layers), limit=2000, what=("topk",)),
            progress=False)
        _check_against_brute_force(pre, brute, 16)


def test_bad_input_is_named(photos_demo, tmp_path):
    net, ds = photos_demo
    with pytest.raises(LayerwalkError, match=r"unknown layer\(s\) 'nope'.*valid layer ids are input|_conv_stem"):
        precompute(net, ds, tmp_path, PrecomputeParams(layers=("nope",)), progress=False)
    with pytest.raises(LayerwalkError, match="unknown --what"):
        PrecomputeParams(what=("topk", "pictures"))
    with pytest.raises(LayerwalkError, match="unknown backend 'spark'"):
        precompute(net, ds, tmp_path, PrecomputeParams(layers=("_fc",), limit=2), backend="spark", progress=False)
    with pytest.raises(LayerwalkError, match="no finished precompute run"):
        load_precomputed(tmp_path)
    assert not list(tmp_path.rglob("manifest.json"))  # nothing half-written passes for complete


_RUN = textwrap.dedent("""
    import sys, layerwalk
    from layerwalk.data import load_dataset
    from layerwalk.precompute import PrecomputeParams, precompute
    ds = load_dataset("photos")
    net = layerwalk.Network.from_spec("demo", dataset=ds)
    precompute(net, ds, sys.argv[1], PrecomputeParams(k=3, batch_size=1, shard_size=1,
               layers=("_conv_stem.conv2d", "_blocks.8._project_conv.conv2d", "output")), progress=False)
""")


@pytest.mark.slow
def test_killed_run_resumes_to_the_same_bytes(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(Path(layerwalk.__file__).parents[1])}
    whole = tmp_path / "whole"
    subprocess.run([sys.executable, "-c", _RUN, str(whole)], check=True, env=env, timeout=600)
    part = tmp_path / "part"
    proc = subprocess.Popen([sys.executable, "-c", _RUN, str(part)], env=env)
    try:
        # kill it as soon as some, but not all, shards are done (a condition, not a sleep)
        while proc.poll() is None and len(list(part.rglob("*.done"))) < 3:
            threading.Event().wait(0.05)
        assert proc.poll() is None, "the run finished before it could be interrupted"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
    finally:
        proc.kill()
    done_before = len(list(part.rglob("*.done")))
    assert 3 <= done_before < 13 and not list(part.rglob("manifest.json"))
    subprocess.run([sys.executable, "-c", _RUN, str(part)], check=True, env=env, timeout=600)
    (a,), (b,) = list(whole.iterdir()), list(part.iterdir())
    assert a.name == b.name and _digest(a) == _digest(b)


def _kill_first_shard_worker(stop: threading.Event, killed: list) -> None:
    """Kill the first Ray worker seen running a shard (Ray titles a busy worker process ``ray::<task name>``)."""
    import psutil

    while not stop.is_set() and not killed:
        for proc in psutil.process_iter(["pid", "cmdline"]):
            if any("ray::_shard_task" in part for part in proc.info["cmdline"] or ()):
                os.kill(proc.info["pid"], signal.SIGKILL)
                killed.append(proc.info["pid"])
                return
        stop.wait(0.01)


@pytest.mark.slow
def test_ray_backend_gives_the_same_bytes_even_when_a_worker_dies(photos_demo, tmp_path):
    import ray

    net, ds = photos_demo
    params = PrecomputeParams(k=3, batch_size=1, shard_size=1,
                              layers=("_conv_stem.conv2d", "_blocks.8._project_conv.conv2d", "output"))
    local = precompute(net, ds, tmp_path / "local", params, progress=False)
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, _node_ip_address="127.0.0.1")
    stop, killed = threading.Event(), []
    killer = threading.Thread(target=_kill_first_shard_worker, args=(stop, killed))
    killer.start()
    try:
        remote = precompute(net, ds, tmp_path / "ray", params, backend="ray", progress=False)
    finally:
        stop.set()
        killer.join()
        ray.shutdown()
    assert killed, "no Ray worker was seen running a shard"
    assert remote.dir.name == local.dir.name and _digest(remote.dir) == _digest(local.dir)


def test_unreachable_ray_cluster_is_a_clear_error(photos_demo, tmp_path):
    net, ds = photos_demo
    with pytest.raises(LayerwalkError, match="could not reach a Ray cluster at '127.0.0.1:9'"):
        precompute(net, ds, tmp_path, PrecomputeParams(layers=("_fc",), limit=2), backend="ray",
                   address="127.0.0.1:9", progress=False)
    assert not list(tmp_path.rglob("manifest.json"))
