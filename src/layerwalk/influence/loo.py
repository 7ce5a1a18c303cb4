"""Leave-one-out validation on a convex model (Koh & Liang 2017, Fig. 2): L2-regularised logistic regression on two
Fashion-MNIST classes, trained to its optimum, then retrained without single training images. The actual change of
a test image's loss is compared with the predicted one, score / N (score = ∇L(test)ᵀ(H + λI)⁻¹∇L(i), with λ the
L2 coefficient given to the method as damping, so its Hessian is the objective's)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from layerwalk.influence.data import TrainingSet

__all__ = ["ConvexProblem", "exact_influence", "fashion_logistic", "fit_logistic", "loo_loss_changes", "pearson"]


@dataclass
class ConvexProblem:
    model: nn.Module
    train: TrainingSet
    test_x: torch.Tensor
    test_y: torch.Tensor
    l2: float


def fashion_logistic(classes: tuple[int, int] = (0, 6), n_train: int = 200, n_test: int = 20, size: int = 14,
                     l2: float = 0.01, seed: int = 0) -> ConvexProblem:
    """Logistic regression (a linear layer with two logits, float64) on ``classes`` at ``size``×``size``."""
    from layerwalk.data import load_dataset

    rng = np.random.default_rng(seed)
    xs, ys = [], []
    for split, n in (("train", n_train), ("test", n_test)):
        ds = load_dataset(f"fashion-mnist:{split}")
        pool = np.flatnonzero(np.isin(ds.labels, classes))
        pick = np.sort(rng.choice(pool, n, replace=False))
        pixels = torch.from_numpy(ds.images[pick]).double()[:, None] / 255
        xs.append(F.adaptive_avg_pool2d(pixels, size) - 0.3)
        ys.append(torch.from_numpy((ds.labels[pick] == classes[1]).astype(np.int64)))
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Flatten(), nn.Linear(size * size, 2)).double()
    fit_logistic(model, xs[0], ys[0], l2)
    train = TrainingSet(xs[0], ys[0], f"fashion-logistic:{classes}:{n_train}:{size}:{seed}",
                        class_names=("class0", "class1"))
    return ConvexProblem(model, train, xs[1], ys[1], l2)


def fit_logistic(model: nn.Module, x: torch.Tensor, y: torch.Tensor, l2: float, iterations: int = 50) -> None:
    """Minimise mean cross-entropy + λ/2‖θ‖² of ``model`` (Flatten → Linear) by Newton's method to a gradient
    below 1e-12: the objective is strictly convex, so this is its one optimum, reached in a few steps (L-BFGS needs
    hundreds of passes to get as close, which made 30 retrainings slow)."""
    linear = model[-1]
    x1 = torch.cat([x.flatten(1), torch.ones(len(x), 1, dtype=x.dtype)], 1)
    theta = torch.cat([linear.weight.detach(), linear.bias.detach()[:, None]], 1).clone()
    onehot = F.one_hot(y, theta.shape[0]).to(x.dtype)
    eye = torch.eye(theta.shape[0], dtype=x.dtype)
    for _ in range(iterations):
        p = torch.softmax(x1 @ theta.T, 1)
        g = (p - onehot).T @ x1 / len(x) + l2 * theta
        if float(g.abs().max()) < 1e-12:
            break
        h = _hessian(x1, p, eye, l2)
        theta -= torch.linalg.solve(h, g.flatten()).view_as(theta)
    with torch.no_grad():
        linear.weight.copy_(theta[:, :-1])
        linear.bias.copy_(theta[:, -1])


def _hessian(x1: torch.Tensor, p: torch.Tensor, eye: torch.Tensor, l2: float) -> torch.Tensor:
    """(class, feature) × (class, feature) blocks (1/n) Σᵢ Sᵢ[a,b] xᵢxᵢᵀ + λI, Sᵢ = diag(pᵢ) − pᵢpᵢᵀ."""
    s = p[:, :, None] * eye - p[:, :, None] * p[:, None, :]
    k, d = p.shape[1], x1.shape[1]
    h = torch.stack([torch.stack([(x1 * s[:, a, b, None]).T @ x1 for b in range(k)], 1) for a in range(k)])
    return h.reshape(k * d, k * d) / len(x1) + l2 * torch.eye(k * d, dtype=x1.dtype)


def exact_influence(problem: ConvexProblem, test_index: int) -> torch.Tensor:
    """(N,) ∇L(test)ᵀ(H + λI)⁻¹∇L(i) with the exact Hessian of the objective (the reference for LiSSA/EK-FAC)."""
    linear = problem.model[-1]
    theta = torch.cat([linear.weight.detach(), linear.bias.detach()[:, None]], 1)

    def parts(x, y):
        x1 = torch.cat([x.flatten(1), torch.ones(len(x), 1, dtype=x.dtype)], 1)
        p = torch.softmax(x1 @ theta.T, 1)
        return x1, p, (p - F.one_hot(y, theta.shape[0]).to(x.dtype))[:, :, None] * x1[:, None, :]

    x1, p, grads = parts(problem.train.inputs, problem.train.labels)
    h = _hessian(x1, p, torch.eye(theta.shape[0], dtype=x1.dtype), problem.l2)
    _, _, g_test = parts(problem.test_x[test_index:test_index + 1], problem.test_y[test_index:test_index + 1])
    return grads.flatten(1) @ torch.linalg.solve(h, g_test.flatten())


def loo_loss_changes(problem: ConvexProblem, test_index: int, train_indices: list[int]) -> torch.Tensor:
    """Actual change of the test image's loss when each training image is left out (warm-started retraining)."""
    import copy

    x, y = problem.train.inputs, problem.train.labels
    tx, ty = problem.test_x[test_index:test_index + 1], problem.test_y[test_index:test_index + 1]
    with torch.no_grad():
        base = float(F.cross_entropy(problem.model(tx), ty))
    changes = []
    for i in train_indices:
        keep = torch.ones(len(y), dtype=torch.bool)
        keep[i] = False
        model = copy.deepcopy(problem.model)
        fit_logistic(model, x[keep], y[keep], problem.l2)
        with torch.no_grad():
            changes.append(float(F.cross_entropy(model(tx), ty)) - base)
    return torch.tensor(changes, dtype=torch.float64)


def pearson(a: torch.Tensor, b: torch.Tensor) -> float:
    a, b = a.double() - a.double().mean(), b.double() - b.double().mean()
    return float((a * b).sum() / (a.norm() * b.norm()))
