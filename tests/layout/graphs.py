"""Hand-built graph dicts with the branch/join patterns of ResNet, GoogLeNet and DenseNet."""

from __future__ import annotations


class GraphBuilder:
    def __init__(self, shape=(3, 32, 32)):
        self.nodes = [{"id": "input", "shape": list(shape), "precursors": [], "label": "", "kind": "input"}]

    def add(self, nid, precursors, shape, label="conv 3×3", kind="conv"):
        self.nodes.append({"id": nid, "shape": list(shape), "precursors": list(precursors), "label": label,
                           "kind": kind})
        return nid

    def finish(self, last, classes=10):
        self.add("output", [last], (classes,), "softmax", "output")
        return {"nodes": self.nodes, "total_params": 0, "detail": "layers", "method": "fx"}


def resnet_like(blocks=3, channels=64, size=16):
    g = GraphBuilder()
    x = g.add("conv1", ["input"], (channels, size, size))
    for b in range(blocks):
        c = channels * 2 ** (b // 2)
        a = g.add(f"b{b}.conv1", [x], (c, size, size))
        a = g.add(f"b{b}.conv2", [a], (c, size, size))
        a = g.add(f"b{b}.conv3", [a], (c * 4, size, size))
        skip = g.add(f"b{b}.downsample", [x], (c * 4, size, size), "conv 1×1") if b % 2 == 0 else x
        x = g.add(f"b{b}.add", [a, skip], (c * 4, size, size), "add", "add")
    x = g.add("fc", [x], (1000,), "linear", "linear")
    return g.finish(x, 1000)


def inception_like(modules=2, size=14):
    g = GraphBuilder()
    x = g.add("stem", ["input"], (192, size, size))
    for m in range(modules):
        b1 = g.add(f"m{m}.b1", [x], (64, size, size), "conv 1×1")
        b2 = g.add(f"m{m}.b2b", [g.add(f"m{m}.b2a", [x], (96, size, size))], (128, size, size))
        b3 = g.add(f"m{m}.b3b", [g.add(f"m{m}.b3a", [x], (16, size, size))], (32, size, size))
        b4 = g.add(f"m{m}.b4b", [g.add(f"m{m}.b4a", [x], (192, size, size), "maxpool", "pool")], (32, size, size))
        x = g.add(f"m{m}.cat", [b1, b2, b3, b4], (256, size, size), "concat", "concat")
    x = g.add("fc", [g.add("pool", [x], (256, 1, 1), "avgpool", "pool")], (1000,), "linear", "linear")
    return g.finish(x, 1000)


def densenet_like(layers=6, size=8):
    g = GraphBuilder()
    x = g.add("conv0", ["input"], (64, size, size))
    feats = [x]
    for i in range(layers):
        cat = g.add(f"l{i}.cat", list(feats), (64 + 32 * i, size, size), "concat", "concat") if i else x
        h = g.add(f"l{i}.conv1", [cat], (128, size, size), "conv 1×1")
        feats.append(g.add(f"l{i}.conv2", [h], (32, size, size)))
    x = g.add("final.cat", feats, (64 + 32 * layers, size, size), "concat", "concat")
    return g.finish(g.add("fc", [x], (10,), "linear", "linear"))


def nested_branches():
    """A branch that forks again and joins itself before joining the main lane, plus a dead-end side output."""
    g = GraphBuilder((1, 28, 28))
    a = g.add("a", ["input"], (8, 28, 28))
    m1 = g.add("m1", [a], (8, 28, 28))
    m2 = g.add("m2", [m1], (8, 28, 28))
    m3 = g.add("m3", [m2], (8, 28, 28))
    m4 = g.add("m4", [m3], (8, 28, 28))
    s1 = g.add("s1", [a], (8, 28, 28))
    s2a = g.add("s2a", [s1], (4, 28, 28))
    s2b = g.add("s2b", [s1], (4, 28, 28))
    s3 = g.add("s3", [s2a, s2b], (8, 28, 28), "concat", "concat")
    g.add("aux", [m1], (10,), "linear", "linear")  # dead end
    j = g.add("join", [m4, s3], (8, 28, 28), "add", "add")
    return g.finish(g.add("fc", [j], (10,), "linear", "linear"))


ALL = {"resnet": resnet_like, "inception": inception_like, "densenet": densenet_like, "nested": nested_branches}
