"""The training loop: one strategy, one model, resumable, with per-epoch metrics.

Determinism: the model is initialised from ``seed``; epoch ``e`` visits the items in an order drawn from
``(seed, e)``; augmentation and noise are seeded per item. With the checkpoint restoring model, optimizer and RNG
states, a run interrupted after any epoch and resumed gives the same weights as an uninterrupted run.

Evaluation: before each evaluation the BatchNorm statistics are recomputed under the current weights on training
items (``layerwalk.train.batchnorm``), so eval-mode accuracies describe the model the training curve describes.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
import torch.nn.functional as F

from layerwalk.engine import resolve_device
from layerwalk.errors import SpecError
from layerwalk.train.augment import Augmentation
from layerwalk.train.batchnorm import calibration_indices, has_batchnorm, recalibrate_batchnorm
from layerwalk.train.checkpoint import load_checkpoint, remove_stale_temp, save_checkpoint
from layerwalk.train.metrics import plot_metrics, write_metrics
from layerwalk.train.optim import kaiming_init, make_optimizer, step_decay
from layerwalk.train.presets import STRATEGY_DEFAULTS
from layerwalk.train.strategies import STRATEGIES, RenderedImages, make_training_set, pick_subset

__all__ = ["TrainConfig", "TrainResult", "train", "dataset_splits", "CHECKPOINT", "WEIGHTS"]

CHECKPOINT, WEIGHTS = "checkpoint.safetensors", "model.safetensors"


@dataclass
class TrainConfig:
    """What to train and how. ``None`` fields take the strategy's Table 1 default (lr, weight decay, augmentation)
    or the model's input size.

    >>> TrainConfig(strategy="shuffled").resolved().weight_decay
    0.0
    """

    model: str = "covidresnet"
    dataset: str = "fashion-mnist"
    strategy: str = "standard"
    epochs: int = 10
    lr: float | None = None
    weight_decay: float | None = None
    augment: bool | None = None
    flip: bool = True
    batch_size: int = 64
    image_size: tuple[int, int] | None = None
    train_subset: int | None = None
    test_subset: int | None = None
    copies: int = 9
    noise_std: float = 0.1
    seed: int = 0
    eval_every: int = 1
    device: str = "auto"

    def resolved(self) -> TrainConfig:
        if self.strategy not in STRATEGIES:
            raise SpecError(f"unknown strategy {self.strategy!r}; use one of {', '.join(STRATEGIES)}")
        if self.epochs < 1 or self.batch_size < 1:
            raise SpecError("epochs and batch size must be at least 1")
        lr, wd, aug = STRATEGY_DEFAULTS[self.strategy]
        return TrainConfig(**{**asdict(self), "lr": self.lr if self.lr is not None else lr,
                              "weight_decay": self.weight_decay if self.weight_decay is not None else wd,
                              "augment": self.augment if self.augment is not None else aug})


@dataclass
class TrainResult:
    """Where things were written and how the run ended."""

    out: Path
    weights: Path
    history: list[dict]
    summary: dict
    model: torch.nn.Module = field(repr=False)


def dataset_splits(spec: str) -> tuple[str, str]:
    """Train and test spec of a dataset: ``fashion-mnist`` → its splits; ``imagefolder:P`` → the 80/20 split of
    P, the train part undersampled against class imbalance (§4.3)."""
    if spec.startswith("fashion-mnist"):
        return "fashion-mnist:train", "fashion-mnist:test"
    if spec.startswith("imagefolder:"):
        body = spec.partition("?")[0]
        for split in (":train", ":test", ":all"):
            body = body.removesuffix(split)
        return f"{body}:train?undersample", f"{body}:test"
    raise SpecError(f"training needs a dataset with a train/test split: fashion-mnist or imagefolder:PATH, "
                    f"not {spec!r}")


def _build(config: TrainConfig):
    from layerwalk.data import load_dataset, load_model

    train_spec, test_spec = dataset_splits(config.dataset)
    train_ds, test_ds = load_dataset(train_spec), load_dataset(test_spec)
    torch.manual_seed(config.seed)
    bundle = load_model(config.model, num_classes=len(train_ds.class_names), in_channels=train_ds.channels)
    kaiming_init(bundle.model)
    size = tuple(config.image_size or bundle.input_size[1:])
    train_images = RenderedImages(train_ds, size, indices=_subset(train_ds, config.train_subset, config.seed))
    test_images = RenderedImages(test_ds, size, indices=_subset(test_ds, config.test_subset, config.seed),
                                 mean=train_ds.mean, std=train_ds.std)
    aug = Augmentation(flip=config.flip) if config.augment else None
    train_set = make_training_set(config.strategy, train_images, seed=config.seed, augmentation=aug,
                                  copies=config.copies, noise_std=config.noise_std)
    if config.strategy == "standard" and not config.augment:
        train_set.augmentation = None
    return bundle, train_set, test_images


def _subset(dataset, count: int | None, seed: int) -> list[int] | None:
    return None if count is None else pick_subset(dataset, count, seed)


@torch.no_grad()
def evaluate(model, batches, device) -> tuple[float, float]:
    """(mean loss, accuracy) over ``(x, y)`` batches, model in eval mode."""
    model.eval()
    loss = correct = count = 0.0
    for x, y in batches:
        logits = model(x.to(device))
        loss += float(F.cross_entropy(logits, y.to(device), reduction="sum"))
        correct += float((logits.argmax(1).cpu() == y).sum())
        count += len(y)
    return loss / max(count, 1), correct / max(count, 1)


def _chunks(n: int, size: int):
    return (torch.arange(i, min(i + size, n)) for i in range(0, n, size))


def _epoch_order(seed: int, epoch: int, n: int) -> torch.Tensor:
    return torch.randperm(n, generator=torch.Generator().manual_seed(seed * 1_000_003 + epoch))


def train(config: TrainConfig, out: str | Path, *, resume: bool = True, progress: bool = True,
          stop_after: int | None = None, on_epoch: Callable[[dict], None] | None = None) -> TrainResult:
    """Train ``config.model`` on ``config.dataset`` with ``config.strategy``, writing to ``out``.

    Args:
        config: a ``TrainConfig``.
        out: folder for ``checkpoint.safetensors`` (every epoch), ``model.safetensors`` (final weights, loadable
            with ``layerwalk serve --weights``), ``metrics.json``, ``metrics.png`` and ``config.json``.
        resume: continue from ``out/checkpoint.safetensors`` if it exists (same config required).
        progress: show a tqdm progress bar.
        stop_after: stop after this many finished epochs (simulates an interruption; used by tests).
        on_epoch: called with each epoch's metrics.

    Returns:
        A ``TrainResult``.

    >>> cfg = TrainConfig(strategy="shuffled", epochs=1, image_size=(28, 28), train_subset=64, test_subset=32)
    >>> train(cfg, "/tmp/lw-doctest-run", resume=False, progress=False).summary["epochs"]  # doctest: +SKIP
    1
    """
    config = config.resolved()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    remove_stale_temp(out / CHECKPOINT)
    device = resolve_device(config.device)
    bundle, train_set, test_images = _build(config)
    model = bundle.model.to(device)
    optimizer = make_optimizer(model, config.lr, config.weight_decay)
    start, history = _maybe_resume(out, config, model, optimizer, resume)
    (out / "config.json").write_text(json.dumps(asdict(config), indent=1))
    steps_per_epoch = -(-len(train_set) // config.batch_size)
    total_steps = steps_per_epoch * config.epochs
    last = config.epochs if stop_after is None else min(config.epochs, stop_after)
    bar = _progress_bar(progress, total_steps, start * steps_per_epoch, config)
    for epoch in range(start, last):
        row = _train_epoch(model, optimizer, train_set, config, epoch, steps_per_epoch, total_steps, device, bar)
        if (epoch + 1) % config.eval_every == 0 or epoch + 1 == config.epochs:
            row.update(_evaluate_epoch(model, train_set, test_images, config, device, epoch + 1 == config.epochs))
        history.append(row)
        save_checkpoint(out / CHECKPOINT, model, optimizer, epoch=epoch + 1,
                        extra={"history": history, "config": asdict(config)})
        _write_progress(out, history, config, None)
        if on_epoch is not None:
            on_epoch(row)
    if bar is not None:
        bar.close()
    summary = _finish(out, model, train_set, test_images, config, history, device, done=last == config.epochs)
    return TrainResult(out, out / WEIGHTS, history, summary, model)


def _maybe_resume(out: Path, config: TrainConfig, model, optimizer, resume: bool) -> tuple[int, list[dict]]:
    path = out / CHECKPOINT
    if not (resume and path.exists()):
        return 0, []
    epoch, extra = load_checkpoint(path, model, optimizer)
    saved = {k: v for k, v in extra["config"].items() if k not in ("epochs", "device", "eval_every")}
    now = {k: v for k, v in json.loads(json.dumps(asdict(config))).items() if k in saved}
    if saved != now:
        changed = sorted(k for k in now if saved.get(k) != now[k])
        raise SpecError(f"{path} was written with different settings ({', '.join(changed)}); use the same "
                        "settings to resume, another --out, or --no-resume to start over")
    return epoch, list(extra["history"])


def _progress_bar(progress: bool, total: int, done: int, config: TrainConfig):
    if not progress:
        return None
    from tqdm import tqdm

    return tqdm(total=total, initial=done, unit="batch", desc=f"{config.strategy} {config.model}", dynamic_ncols=True)


def _train_epoch(model, optimizer, train_set, config, epoch, steps_per_epoch, total_steps, device, bar) -> dict:
    model.train()
    t0, loss_sum, correct, count = time.perf_counter(), 0.0, 0, 0
    order = _epoch_order(config.seed, epoch, len(train_set))
    for k, idx in enumerate(order.split(config.batch_size)):
        step = epoch * steps_per_epoch + k
        lr = config.lr * step_decay(step, total_steps)
        for group in optimizer.param_groups:
            group["lr"] = lr
        x, y = train_set.batch(idx, epoch)
        logits = model(x.to(device))
        loss = F.cross_entropy(logits, y.to(device))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        loss_sum += loss.item() * len(y)
        correct += int((logits.argmax(1).cpu() == y).sum())
        count += len(y)
        if bar is not None:
            bar.update(1)
            bar.set_postfix(epoch=epoch + 1, loss=f"{loss_sum / count:.3f}", acc=f"{correct / count:.3f}",
                            refresh=False)
    return {"epoch": epoch + 1, "lr": lr, "train_loss": loss_sum / count, "train_acc": correct / count,
            "seconds": round(time.perf_counter() - t0, 2)}


def _test_batches(images: RenderedImages, size: int):
    return ((images.normalise(images.pixels[i]), images.labels[i]) for i in _chunks(len(images), size))


def _clean_batches(train_set, size: int, indices: torch.Tensor | None = None):
    """The training set (or its ``indices``) as trained on (strategy labels, noise) but without augmentation."""
    indices = torch.arange(len(train_set)) if indices is None else indices
    for i in indices.split(size):
        if hasattr(train_set, "augmentation"):
            yield train_set.images.normalise(train_set.images.pixels[i]), train_set.labels[i]
        else:
            yield train_set.batch(i, 0)


def _evaluate_epoch(model, train_set, test_images, config: TrainConfig, device, final: bool) -> dict:
    """Test loss and accuracy after recomputing BatchNorm statistics under the current weights (see
    ``batchnorm``); at the final epoch also the train accuracy with the running statistics training left behind,
    so the report can show what eval mode gave without the recomputation."""
    row = {}
    if final and has_batchnorm(model):
        row["train_acc_running_stats"] = evaluate(model, _clean_batches(train_set, 256), device)[1]
    calibration = _clean_batches(train_set, 256, calibration_indices(len(train_set), config.seed))
    recalibrate_batchnorm(model, calibration, device)
    row["test_loss"], row["test_acc"] = evaluate(model, _test_batches(test_images, config.batch_size), device)
    return row


def _finish(out, model, train_set, test_images, config, history, device, done: bool) -> dict:
    summary = {"strategy": config.strategy, "model": config.model, "dataset": config.dataset,
               "epochs": len(history), "finished": done, "train_images": len(train_set),
               "test_images": len(test_images), "seconds": round(sum(h["seconds"] for h in history), 1)}
    if done:
        from safetensors.torch import save_file

        save_file({k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}, str(out / WEIGHTS))
        # the model's BatchNorm statistics were recomputed for the final epoch's evaluation (_evaluate_epoch)
        summary["train_loss"], summary["train_acc"] = evaluate(model, _clean_batches(train_set, 256), device)
        if "train_acc_running_stats" in history[-1]:
            summary["train_acc_running_stats"] = history[-1]["train_acc_running_stats"]
        summary["test_loss"], summary["test_acc"] = evaluate(model, _test_batches(test_images, 256), device)
        if hasattr(train_set, "is_original"):  # noisy: how well the originals alone are fitted
            n = len(train_set.images)
            orig = ((train_set.images.normalise(train_set.images.pixels[i]), train_set.labels[i])
                    for i in _chunks(n, 256))
            summary["train_acc_originals"] = evaluate(model, orig, device)[1]
    _write_progress(out, history, config, summary)
    return summary


def _write_progress(out: Path, history: list[dict], config: TrainConfig, summary: dict | None) -> None:
    write_metrics(history, summary or {"finished": False}, out / "metrics.json")
    plot_metrics(history, out / "metrics.png", title=f"{config.model} · {config.dataset} · {config.strategy}")
