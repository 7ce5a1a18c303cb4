"""How big the study is: a few timed training steps, then as many training images and epochs as fit the budget
(the same for all three strategies). A rerun with the same budget resumes the saved plan."""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import torch

__all__ = ["StudyPlan", "plan_study", "measure_throughput", "saved_plan", "save_plan"]


@dataclass
class StudyPlan:
    """How big the study is. ``images_per_second``: measured training throughput."""

    image_size: tuple[int, int]
    train_subset: int | None
    test_subset: int
    epochs: int
    copies: int
    batch_size: int
    fv_steps: int
    fv_channels: int
    analysis_images: int
    images_per_second: float
    budget_minutes: float


def measure_throughput(model_spec: str, channels: int, classes: int, size, batch: int, device) -> float:
    """Training images per second of ``model_spec`` on ``device`` (best of two timed steps after a warm-up)."""
    from layerwalk.data import load_model

    model = load_model(model_spec, num_classes=classes, in_channels=channels).model.to(device).train()
    opt = torch.optim.SGD(model.parameters(), lr=1e-3)
    x, y = torch.randn(batch, channels, *size, device=device), torch.randint(0, classes, (batch,), device=device)
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
        opt.zero_grad()
        if device.type == "cuda":
            torch.cuda.synchronize()
        times.append(time.perf_counter() - t0)
    return batch / min(times[1:])


def plan_study(budget_minutes: float, images_per_second: float, *, train_size: int, image_size=(64, 64),
               copies: int | None = None, epochs: int | None = None) -> StudyPlan:
    """Fit the three trainings into ~60 % of the budget (the rest: evaluation, feature visualization, analysis).

    >>> p = plan_study(15, 40.0, train_size=60000)
    >>> (p.epochs, p.copies, p.train_subset)
    (15, 3, 230)
    """
    big = images_per_second > 400  # a GPU: the paper's 9 copies and more epochs
    copies = copies if copies is not None else (9 if big else 3)
    epochs = epochs or (30 if big else 15)
    passes = 0.6 * budget_minutes * 60 * images_per_second
    per_image = epochs * (2 + copies + 1) + (2 + copies + 1) / 3  # training + one clean evaluation
    n = int(passes / per_image) // 10 * 10
    n = max(50, min(n, train_size))
    return StudyPlan(tuple(image_size), None if n >= train_size else n, 2000 if big else 500, epochs, copies,
                     64 if big else 32, 64 if big else 24, 8, 64 if big else 32, round(images_per_second, 1),
                     budget_minutes)


def saved_plan(out: Path, budget_minutes: float, image_size) -> StudyPlan | None:
    path = out / "plan.json"
    if not path.exists():
        return None
    plan = StudyPlan(**json.loads(path.read_text()))
    plan.image_size = tuple(plan.image_size)
    same = plan.budget_minutes == budget_minutes and plan.image_size == tuple(image_size)
    return plan if same else None


def save_plan(out: Path, plan: StudyPlan) -> None:
    (out / "plan.json").write_text(json.dumps(asdict(plan), indent=1))
