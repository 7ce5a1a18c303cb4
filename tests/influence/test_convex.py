"""Influence predicts leave-one-out retraining on a convex model (Koh & Liang 2017, Fig. 2)."""

import pytest
import torch
import torch.nn.functional as F

import layerwalk
from layerwalk.influence import EkfacParams, LissaParams
from layerwalk.influence.loo import loo_loss_changes, pearson


def _scores(convex, q: int, method: str, **options) -> torch.Tensor:
    result = layerwalk.influence(convex.model, convex.train, convex.test_x[q:q + 1], method=method,
                                 query_labels=convex.test_y[q:q + 1], self_influence=False, cache=False, **options)
    return result.scores.total[0].double() / len(result.train)  # predicted loss change when removing each image


@pytest.fixture(scope="module")
def loo(convex, tmp_path_factory):
    """The hardest test image, the 30 training images EK-FAC says matter most for it, and the actual change of its
    loss when each of them is left out and the model retrained (computed once, shared by every method)."""
    with torch.no_grad():
        q = int(F.cross_entropy(convex.model(convex.test_x), convex.test_y, reduction="none").argmax())
    ekfac = _scores(convex, q, "ekfac", ekfac=EkfacParams(damping=convex.l2, dtype=torch.float64),
                    cache_dir=tmp_path_factory.mktemp("factors"))  # module scope: before the per-test cache folder
    top = torch.argsort(ekfac.abs(), descending=True)[:30].tolist()
    return q, top, ekfac[top], loo_loss_changes(convex, q, top)


def test_ekfac_predicts_leave_one_out_retraining(loo):
    _, _, predicted, actual = loo
    r = pearson(predicted, actual)
    assert r >= 0.95, f"Pearson {r:.3f} between EK-FAC influence and leave-one-out retraining"
    assert actual.abs().max() > 0.05  # leaving these images out really moves the loss
    assert (predicted.sign() == actual.sign()).float().mean() >= 0.9


@pytest.mark.slow
def test_lissa_predicts_leave_one_out_retraining(convex, loo):
    q, top, _, actual = loo
    predicted = _scores(convex, q, "lissa", lissa=LissaParams(damping=convex.l2, scale=10, depth=1000,
                                                             batch_size=200))[top]
    r = pearson(predicted, actual)
    assert r >= 0.95, f"Pearson {r:.3f} between LiSSA influence and leave-one-out retraining"


def test_gradient_similarity_without_the_hessian_predicts_worse(convex, loo):
    """The Hessian matters: TracIn at the optimum (plain gradient similarity) predicts the same removals worse."""
    q, top, predicted, actual = loo
    tracin = _scores(convex, q, "tracin")[top]
    assert pearson(tracin, actual) < pearson(predicted, actual) - 0.02
