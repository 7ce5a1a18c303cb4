"""PCA of filters against scikit-learn; t-SNE of inputs: features, and trustworthiness against scikit-learn."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.manifold import trustworthiness
from threadpoolctl import threadpool_limits
from torch import nn

from layerwalk.analysis import filter_pca, input_embedding
from layerwalk.analysis.input_embedding import embed, layer_features
from layerwalk.data import TorchDataset
from layerwalk.engine import Network


class _Digits(torch.utils.data.Dataset):
    """scikit-learn's 8×8 digits (shipped in its wheel), 16 grey levels → 0…1."""

    def __init__(self, n: int = 300):
        digits = load_digits()
        self.images = torch.tensor(digits.images[:n] / 16, dtype=torch.float32)
        self.targets = digits.target[:n].tolist()
        self.classes = [str(d) for d in range(10)]

    def __len__(self):
        return len(self.targets)

    def __getitem__(self, i):
        return self.images[i][None], self.targets[i]


@pytest.fixture(scope="module")
def digits_network():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
                          nn.Conv2d(8, 16, 3, stride=2, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(256, 10))
    with torch.no_grad():  # a BatchNorm that is not the identity, so folding it matters
        bn = model[1]
        bn.weight.copy_(torch.linspace(-2, 2, 8))
        bn.running_var.copy_(torch.linspace(0.5, 3, 8))
        bn.running_mean.uniform_(-1, 1)
    dataset = TorchDataset(_Digits(), name="digits")
    return Network(model, dataset=dataset, input_size=(1, 8, 8), device="cpu"), dataset


def test_filter_pca_equals_scikit_learn_up_to_sign(digits_network):
    network, _ = digits_network
    conv, bn = network.model[0], network.model[1]
    scale = (bn.weight / torch.sqrt(bn.running_var + bn.eps)).detach()
    weights = (conv.weight.detach() * scale.view(-1, 1, 1, 1)).reshape(8, -1).double().numpy()
    expected = PCA(n_components=2).fit(weights)
    result = filter_pca(network, "0")
    got = result.coords
    reference = expected.transform(weights)
    signs = np.sign((got * reference).sum(0))
    np.testing.assert_allclose(got * signs, reference, atol=1e-5)
    np.testing.assert_allclose(result.explained, expected.explained_variance_ratio_, rtol=1e-6)
    assert set(filter_pca(network)) == {"0", "3"}


def test_sorted_features_ignore_where_a_pattern_is():
    a = torch.zeros(2, 3, 4, 4)
    a[0, 1, 0, 0] = 5.0
    a[1, 1, 3, 2] = 5.0                      # the same pattern elsewhere
    f = layer_features(a, "sorted")
    assert f.shape == (2, 48) and np.array_equal(f[0], f[1])
    assert np.array_equal(layer_features(a, "gap"), a.mean((2, 3)).numpy())
    assert layer_features(torch.rand(2, 3, 40, 40), "sorted", max_per_channel=10).shape == (2, 30)


def test_tsne_trustworthiness_close_to_scikit_learn(digits_network):
    network, _ = digits_network
    x = torch.cat([network.preprocess(network.dataset.image(i)) for i in range(200)])
    with torch.inference_mode():
        acts = network.captured.run(x, record={"3"})["3"]
    features = layer_features(acts, "sorted")
    with threadpool_limits(1):  # scikit-learn's OpenMP threads spin for ages on a shared, busy machine
        ours = trustworthiness(features, embed(features, 50, "opentsne"), n_neighbors=10)
        sklearn = trustworthiness(features, embed(features, 50, "sklearn"), n_neighbors=10)
    assert ours > 0.85 and abs(ours - sklearn) <= 0.01, (ours, sklearn)


def test_input_embedding_of_a_layer(digits_network):
    network, dataset = digits_network
    emb = input_embedding(network, "3", n=200, features="gap", perplexity=50, seed=1)
    assert emb.coords.shape == (200, 2) and len(set(emb.items)) == 200
    assert emb.perplexity == 50 and np.isfinite(emb.coords).all()
    assert [dataset.label(i) for i in emb.items] == emb.labels.tolist()
    assert emb.dominant.min() >= 0 and emb.dominant.max() < 16
    # inputs of the same class are closer than inputs of different classes (digits cluster even here)
    d = np.linalg.norm(emb.coords[:, None] - emb.coords[None], axis=2)
    same = emb.labels[:, None] == emb.labels[None]
    assert d[same & ~np.eye(200, dtype=bool)].mean() < d[~same].mean()


def test_embedding_reports_progress_to_the_end(digits_network):
    network, _ = digits_network
    seen = []
    input_embedding(network, "3", n=60, features="gap", progress=lambda f, m: seen.append((f, m)))
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert any("t-SNE iteration" in m for _, m in seen) and any("inputs" in m for _, m in seen)
