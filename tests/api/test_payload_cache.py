"""The per-network payload cache holds at most ``cache_bytes`` (issue: memory no worse than the reference)."""

import threading

from layerwalk.api.state import NetworkEntry


def entry(budget: int) -> NetworkEntry:
    e = NetworkEntry("n0", network=None, dataset=None)
    e.cache_bytes = budget
    return e


def test_cache_is_bounded_in_bytes_least_recently_used_first():
    e = entry(budget=250)
    calls = []

    def payload(tag, size):
        return lambda: calls.append(tag) or bytes(size)

    e.cached(("a",), payload("a", 100))
    e.cached(("b",), payload("b", 100))
    e.cached(("a",), payload("a", 100))        # hit: no recompute, and "a" becomes the most recent
    e.cached(("c",), payload("c", 100))        # 300 B > 250: "b", the least recently used, leaves
    assert calls == ["a", "b", "c"] and e.cached_bytes() == 200
    e.cached(("a",), payload("a", 100))
    e.cached(("b",), payload("b", 100))
    assert calls == ["a", "b", "c", "b"]
    big = e.cached(("big",), payload("big", 1000))  # larger than the budget: kept alone, served whole
    assert len(big) == 1000 and e.cached_bytes() == 1000


def test_concurrent_readers_share_one_computation():
    e = entry(budget=0)  # every finished payload but the newest leaves at once
    started, release, calls = threading.Event(), threading.Event(), []

    def slow():
        calls.append(1)
        started.set()
        release.wait(10)
        return b"x" * 10

    results = []
    threads = [threading.Thread(target=lambda: results.append(e.cached(("k",), slow))) for _ in range(4)]
    threads[0].start()
    started.wait(10)
    e.cached(("other",), lambda: b"y")  # evicting while "k" is computed must not drop its slot
    for t in threads[1:]:
        t.start()
    release.set()
    for t in threads:
        t.join(10)
    assert results == [b"x" * 10] * 4 and calls == [1]


def test_large_payloads_are_streamed_whole_with_their_length():
    """Bodies over 1 MiB go out in views of the cached bytes (no per-connection copy); the client sees one body."""
    from fastapi import FastAPI
    from fastapi.responses import StreamingResponse
    from fastapi.testclient import TestClient

    from layerwalk.api.routes._responses import versioned

    body = bytes(range(256)) * (3 * 4096 + 7)   # 3 MiB + a bit: four chunks, the last one short
    app = FastAPI()
    app.get("/big")(lambda: versioned(body, "application/octet-stream", 5))
    app.get("/small")(lambda: versioned(body[:1000], "application/octet-stream", 5))
    assert isinstance(versioned(body, "application/octet-stream", 5), StreamingResponse)
    with TestClient(app) as client:
        for path, expected in (("/big", body), ("/small", body[:1000])):
            r = client.get(path)
            assert r.content == expected and r.headers["content-length"] == str(len(expected))
            assert r.headers["x-input-version"] == "5"


def test_activation_payload_is_the_snapshots_block_streamed_without_joining():
    """The cached activation payload is the header plus the snapshot's one block of encoded bytes (no join, no
    second copy): streamed, it is byte for byte the packed format, and the cache counts its bytes."""
    import numpy as np
    import torch
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from layerwalk.api.routes._responses import versioned
    from layerwalk.api.wire import Parts, pack_activation_parts, pack_activations, unpack_activations
    from layerwalk.capture import GraphNode, LayerGraph
    from layerwalk.engine import Snapshot

    torch.manual_seed(0)
    acts = {f"l{i}": torch.randn(c, 64, 64) for i, c in enumerate((3, 96, 256, 1))}
    graph = LayerGraph(nodes=tuple(GraphNode(i, i, "conv", tuple(a.shape)) for i, a in acts.items()))
    snap = Snapshot(7, {}, None, acts, graph, [])
    ids = list(acts)
    separate = [snap.encoded(i) for i in ids]
    block, layers = snap.encoded_block(ids)
    assert all(np.shares_memory(enc.data, block) for enc in layers)
    assert all(snap.encoded(i).data is enc.data for i, enc in zip(ids, layers))  # the cache now holds the views
    assert all(np.array_equal(a.data, b.data) and a.vmin == b.vmin for a, b in zip(separate, layers))
    parts = pack_activation_parts("n0", 7, list(zip(ids, layers)), block)
    joined = pack_activations("n0", 7, list(zip(ids, separate)))
    assert isinstance(parts, Parts) and len(parts) == len(joined) > (1 << 20) and parts.parts[1].obj is block
    _, arrays = unpack_activations(joined)
    assert all(np.array_equal(arrays[i], enc.data) for i, enc in zip(ids, separate))
    app = FastAPI()
    app.get("/parts")(lambda: versioned(parts, "application/octet-stream", 7))
    app.get("/small")(lambda: versioned(pack_activation_parts("n0", 7, [("l0", layers[0])]),
                                        "application/octet-stream", 7))
    with TestClient(app) as client:
        r = client.get("/parts")
        assert r.content == joined and r.headers["content-length"] == str(len(joined))
        assert client.get("/small").content == pack_activations("n0", 7, [("l0", separate[0])])
    e = entry(budget=10**9)
    e.cached(("p",), lambda: parts)
    assert e.cached_bytes() == len(joined)
