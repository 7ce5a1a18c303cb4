"""How big the study is: timed training steps, then as many training images and epochs as fit the budget (the
same for all three strategies), unless the user fixes them. A rerun with the same settings resumes the saved plan.

The throughput is measured in several short rounds a second apart and the best round counts: a load spike on a
shared machine slows some rounds, never speeds one up, so the best round is the closest to what the machine can
do. A spike longer than the whole measurement still fools it; ``--train-images``/``--epochs`` fix the scale then.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch

__all__ = ["StudyPlan", "plan_study", "measure_throughput", "saved_plan", "save_plan", "TRAINING_SHARE"]

TRAINING_SHARE = 0.6  # of the budget; the rest goes to evaluation, feature visualization and analysis


@dataclass
class StudyPlan:
    """How big the study is and why.

    ``images_per_second``: the best of the measured training throughputs ``throughput_samples``;
    ``training_minutes``: the three trainings' expected time at that throughput; ``scale``: how the training
    images and epochs were chosen (planned from the budget or fixed by the user).
    """

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
    throughput_samples: list[float] = field(default_factory=list)
    training_minutes: float = 0.0
    scale: str = ""


def measure_throughput(model_spec: str, channels: int, classes: int, size, batch: int, device, *, rounds: int = 5,
                       pause: float = 1.0) -> list[float]:
    """Training images per second of ``model_spec`` on ``device`` in each of ``rounds`` rounds (the faster of two
    timed steps per round, after one warm-up step), ``pause`` seconds apart."""
    from layerwalk.data import load_model

    model = load_model(model_spec, num_classes=classes, in_channels=channels).model.to(device).train()
    opt = torch.optim.SGD(model.parameters(), lr=1e-3)
    x, y = torch.randn(batch, channels, *size, device=device), torch.randint(0, classes, (batch,), device=device)
    _training_step(model, opt, x, y, device)  # warm-up: allocator, kernels
    samples = []
    for r in range(rounds):
        if r:
            time.sleep(pause)
        samples.append(batch / min(_training_step(model, opt, x, y, device) for _ in range(2)))
    return samples


def _training_step(model, opt, x, y, device) -> float:
    t0 = time.perf_counter()
    torch.nn.functional.cross_entropy(model(x), y).backward()
    opt.step()
    opt.zero_grad()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - t0


def plan_study(budget_minutes: float, throughput: float | Sequence[float], *, train_size: int,
               image_size=(64, 64), gpu: bool = False, copies: int | None = None, epochs: int | None = None,
               train_images: int | None = None) -> StudyPlan:
    """Fit the three trainings into ``TRAINING_SHARE`` of the budget at the best measured ``throughput``
    (training images/s; one number or several measurements). ``train_images``/``epochs`` fix the scale: the
    planner then only fills in what is not fixed and reports the expected time.

    >>> p = plan_study(15, [40.0, 3.0, 38.0], train_size=60000)
    >>> (p.epochs, p.copies, p.train_subset, p.images_per_second)
    (15, 3, 230, 40.0)
    >>> plan_study(15, 40.0, train_size=60000, train_images=600, epochs=30).training_minutes
    45.5
    """
    samples = [float(throughput)] if isinstance(throughput, (int, float)) else [float(v) for v in throughput]
    best = max(samples)
    copies = copies if copies is not None else (9 if gpu else 3)
    per_epoch = 2 + copies + 1  # standard + shuffled + noisy (originals and copies), per training image
    per_image = lambda e: e * per_epoch + per_epoch / 3  # noqa: E731 (training + one clean evaluation)
    passes = TRAINING_SHARE * budget_minutes * 60 * best
    if epochs is None:
        epochs = (30 if gpu else 15) if train_images is None else max(1, int(passes / train_images / per_epoch))
    n = train_images if train_images is not None else max(50, int(passes / per_image(epochs)) // 10 * 10)
    n = min(n, train_size)
    return StudyPlan(tuple(image_size), None if n >= train_size else n, 2000 if gpu else 1000, epochs, copies,
                     64 if gpu else 32, 64 if gpu else 48, 16, 256 if gpu else 128, round(best, 1), budget_minutes,
                     [round(v, 1) for v in samples], round(n * per_image(epochs) / best / 60, 1),
                     _scale_reason(samples, epochs, n, budget_minutes, fixed=train_images is not None))


def _scale_reason(samples: list[float], epochs: int, n: int, budget: float, *, fixed: bool) -> str:
    measured = (f"best of {len(samples)} throughput measurements "
                f"({', '.join(f'{v:.0f}' for v in samples)} training images/s)")
    if fixed:
        return f"{n} training images × {epochs} epochs fixed by the user (--train-images/--epochs); {measured}"
    return (f"{n} training images × {epochs} epochs: what fits {TRAINING_SHARE:.0%} of the {budget:g}-minute "
            f"budget at the {measured}")


def saved_plan(out: Path, budget_minutes: float, image_size, **fixed: int | None) -> StudyPlan | None:
    """The plan saved in ``out`` if it was made with the same budget and image size and agrees with every scale
    the user fixes now (``train_images=…``, ``epochs=…``, ``copies=…``; ``None`` = not fixed)."""
    path = out / "plan.json"
    if not path.exists():
        return None
    plan = StudyPlan(**json.loads(path.read_text()))
    plan.image_size = tuple(plan.image_size)
    now = {"train_images": plan.train_subset, "epochs": plan.epochs, "copies": plan.copies}
    same = plan.budget_minutes == budget_minutes and plan.image_size == tuple(image_size) and all(
        v is None or now[k] == v for k, v in fixed.items())
    return plan if same else None


def save_plan(out: Path, plan: StudyPlan) -> None:
    (out / "plan.json").write_text(json.dumps(asdict(plan), indent=1))
