"""The three methods on a small conv net: per-layer scores against independent computations, sums, seeds, cache,
cancel and clear errors."""

import pytest
import torch
import torch.nn.functional as F

import layerwalk
from layerwalk.errors import SpecError
from layerwalk.influence import Checkpoint, EkfacParams, InfluenceCancelled, LissaParams, influence_layers
from layerwalk.influence.loo import pearson

LAYERS = ["conv1", "conv2", "fc"]


def _layer_grads(model, x, y) -> dict[str, torch.Tensor]:
    """Plain autograd, one example at a time: the reference the vmapped gradients are checked against."""
    model.zero_grad()
    F.cross_entropy(model(x[None]), y[None]).backward()
    return {name: torch.cat([p.grad.flatten() for p in getattr(model, name).parameters()]) for name in LAYERS}


def test_layers_are_the_conv_and_linear_modules(small):
    assert influence_layers(small[0]) == LAYERS


def test_tracin_equals_autograd_gradient_products_per_layer(small):
    model, x, y, qx, qy = small
    ckpt = [Checkpoint({k: v.clone() for k, v in model.state_dict().items()}, 0.5, "c")]
    result = layerwalk.influence(model, (x, y), qx, method="tracin", query_labels=qy, checkpoints=ckpt)
    for q in range(len(qx)):
        gq = _layer_grads(model, qx[q], qy[q])
        for i in (0, 17, 47):
            gi = _layer_grads(model, x[i], y[i])
            for name in LAYERS:
                assert result.scores.layer(name)[q, i] == pytest.approx(0.5 * float(gq[name] @ gi[name]), rel=1e-4,
                                                                        abs=1e-6)
    self_expected = 0.5 * sum(float(v @ v) for v in _layer_grads(model, x[5], y[5]).values())
    assert float(result.self_influence[5]) == pytest.approx(self_expected, rel=1e-4)


def test_ekfac_per_layer_scores_sum_to_kronfluences_own_total(small, tmp_path):
    """Kronfluence's all-module score (computed without per-module splitting) equals the sum of our layers."""
    from kronfluence.arguments import ScoreArguments
    from torch.utils.data import TensorDataset

    from layerwalk.influence.ekfac import EkfacInfluence

    model, x, y, qx, qy = small
    result = layerwalk.influence(model, (x, y), qx, method="ekfac", query_labels=qy, self_influence=False,
                                 cache_dir=tmp_path / "c")
    ek = EkfacInfluence(model, LAYERS, x, y, tmp_path / "direct", EkfacParams())
    ek.fit_factors(lambda f, m: None)
    ek.analyzer.compute_pairwise_scores(scores_name="total", factors_name="factors",
                                        query_dataset=TensorDataset(qx, qy), train_dataset=TensorDataset(x, y),
                                        per_device_query_batch_size=3, per_device_train_batch_size=16,
                                        score_args=ScoreArguments(damping_factor=None))
    total = ek.analyzer.load_pairwise_scores("total")["all_modules"]
    assert torch.allclose(result.scores.total, total, rtol=1e-4, atol=1e-5 * float(total.abs().max()))
    assert result.scores.per_layer.shape == (3, 3, 48)
    assert all(result.scores.layer(n).abs().max() > 0 for n in LAYERS)


def test_lissa_matches_the_exact_inverse_hessian(small):
    """On 283 parameters the damped Hessian of the training loss can be inverted exactly; LiSSA must agree."""
    from torch.func import functional_call

    model, x, y, qx, qy = small
    names = [f"{layer}.{p}" for layer in LAYERS for p in ("weight", "bias")]
    base = dict(model.named_parameters())
    buffers = dict(model.named_buffers())
    shapes = [base[n].shape for n in names]
    flat = torch.cat([base[n].detach().flatten() for n in names])

    def loss(theta, xs, ys):
        params, offset = dict(base), 0
        for n, s in zip(names, shapes):
            params[n] = theta[offset:offset + s.numel()].view(s)
            offset += s.numel()
        return F.cross_entropy(functional_call(model, {**params, **buffers}, (xs,)), ys)

    raw = torch.autograd.functional.hessian(lambda t: loss(t, x, y), flat)
    eigenvalues = torch.linalg.eigvalsh(raw)
    damping = max(0.1, 0.1 - float(eigenvalues.min()))  # a non-convex net: damp until H + λI is positive definite
    hessian = raw + damping * torch.eye(len(flat))
    top = float(eigenvalues.max()) + damping
    exact = torch.stack([torch.autograd.grad(loss(flat.requires_grad_(), qx[q:q + 1], qy[q:q + 1]), flat)[0]
                         for q in range(3)]) @ torch.linalg.inv(hessian)
    train_grads = torch.stack([torch.autograd.grad(loss(flat, x[i:i + 1], y[i:i + 1]), flat)[0] for i in range(48)])
    params = LissaParams(damping=damping, scale=1.2 * top, depth=200, batch_size=48)  # full batch
    result = layerwalk.influence(model, (x, y), qx, method="lissa", query_labels=qy, lissa=params)
    expected = exact @ train_grads.T
    for q in range(3):
        assert pearson(result.scores.total[q], expected[q]) > 0.99
    assert torch.allclose(result.scores.total, expected, atol=0.1 * float(expected.abs().max()))


@pytest.mark.parametrize("method", ["ekfac", "lissa", "tracin"])
def test_same_seed_same_scores_and_per_layer_sums_to_total(small, tmp_path, method):
    model, x, y, qx, _ = small
    options = {"lissa": LissaParams(depth=30, scale=50)} if method == "lissa" else {}
    runs = [layerwalk.influence(model, (x, y), qx, method=method, seed=3, cache=False, **options) for _ in range(2)]
    assert torch.equal(runs[0].scores.per_layer, runs[1].scores.per_layer)
    assert runs[0].scores.layers == tuple(LAYERS)
    assert torch.allclose(runs[0].scores.per_layer.sum(0), runs[0].scores.total)
    total_only = layerwalk.influence(model, (x, y), qx, method=method, seed=3, per_layer=False, cache=False,
                                     **options)
    assert total_only.layers == ("total",)
    assert torch.allclose(total_only.scores.total, runs[0].scores.total, rtol=1e-5, atol=1e-6)


def test_lissa_seed_changes_the_minibatches(small):
    model, x, y, qx, _ = small
    runs = [layerwalk.influence(model, (x, y), qx, method="lissa", seed=s, cache=False,
                                lissa=LissaParams(depth=20, scale=50, batch_size=8)) for s in (0, 1)]
    assert not torch.equal(runs[0].scores.per_layer, runs[1].scores.per_layer)


def test_results_are_cached_by_weights_and_data(small):
    model, x, y, qx, _ = small
    first = layerwalk.influence(model, (x, y), qx, method="ekfac")
    again = layerwalk.influence(model, (x, y), qx, method="ekfac")
    assert not first.cached and again.cached
    assert torch.equal(first.scores.per_layer, again.scores.per_layer)
    assert torch.equal(first.self_influence, again.self_influence)
    with torch.no_grad():
        model.fc.bias.add_(0.1)
    changed = layerwalk.influence(model, (x, y), qx, method="ekfac")
    assert not changed.cached and not torch.equal(changed.scores.per_layer, first.scores.per_layer)


def test_last_layer_only(small):
    model, x, y, qx, _ = small
    every = layerwalk.influence(model, (x, y), qx, method="tracin", cache=False)
    last = layerwalk.influence(model, (x, y), qx, method="tracin", layers="last", cache=False)
    assert last.layers == ("fc",)
    assert torch.allclose(last.scores.total, every.scores.layer("fc"), rtol=1e-5, atol=1e-7)


def test_cancel_stops_between_steps(small):
    model, x, y, qx, _ = small
    calls = []
    with pytest.raises(InfluenceCancelled):
        layerwalk.influence(model, (x, y), qx, method="lissa", cache=False, lissa=LissaParams(depth=500, scale=50),
                            should_stop=lambda: calls.append(1) or len(calls) > 3)
    assert len(calls) == 4


def test_rankings_and_json(small):
    model, x, y, qx, _ = small
    result = layerwalk.influence(model, (x, y), qx, method="tracin", cache=False)
    pro, con = result.proponents(1, k=5), result.opponents(1, k=5)
    total = result.scores.total[1]
    assert [r.index for r in pro] == torch.argsort(total, descending=True)[:5].tolist()
    assert [r.index for r in con] == torch.argsort(total)[:5].tolist()
    assert pro[0].score >= pro[-1].score and con[0].score <= con[-1].score
    summary = result.to_dict(top=4)
    assert len(summary["queries"]) == 3 and len(summary["queries"][1]["proponents"]) == 4
    assert set(summary["queries"][0]["layers"]) == set(LAYERS)
    assert summary["self_influence"][0]["index"] == int(result.self_influence.argmax())


@pytest.mark.parametrize("kwargs, words", [
    ({"method": "magic"}, "unknown influence method"),
    ({"layers": ["bn"]}, "not a conv or linear layer"),
    ({"query_labels": [0]}, "one label per query"),
    ({"method": "lissa", "lissa": LissaParams(depth=0)}, "depth"),
])
def test_bad_input_is_a_clear_error(small, kwargs, words):
    model, x, y, qx, _ = small
    with pytest.raises(SpecError, match=words):
        layerwalk.influence(model, (x, y), qx, cache=False, **kwargs)


def test_lissa_divergence_is_a_clear_error(small):
    model, x, y, qx, _ = small
    with pytest.raises(SpecError, match="larger scale"):
        layerwalk.influence(model, (x, y), qx, method="lissa", cache=False,
                            lissa=LissaParams(scale=1e-3, depth=400, damping=0.0))
