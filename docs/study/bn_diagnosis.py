"""Why the first study's shuffled model reported 0.46 train accuracy while its training curve reached 1.00.

Trains the first study's shuffled run (CovidResNet, 50 Fashion-MNIST images at 32×32, 15 epochs, batch 32) and,
just before the trainer recomputes the BatchNorm statistics, measures on the clean training set:
  * accuracy in eval mode with the running statistics training left behind (what the old report printed),
  * accuracy in train mode (each batch normalised with its own statistics, as during training),
  * how far each BatchNorm layer's running mean/variance are from the mean/variance of its actual input,
then the accuracy after the recomputation (what the trainer reports now).

    nice -n 19 .venv/bin/python docs/study/bn_diagnosis.py > docs/study/bn_diagnosis.txt
"""

import copy
import tempfile

import torch

import layerwalk.train.trainer as trainer
from layerwalk.train import TrainConfig, train

torch.set_num_threads(2)
CONFIG = TrainConfig(strategy="shuffled", epochs=15, image_size=(32, 32), train_subset=50, test_subset=200,
                     copies=3, batch_size=32, eval_every=15, device="cpu")


@torch.no_grad()
def accuracy(model, batches, train_mode: bool) -> float:
    model.train(train_mode)
    hits = sum(int((model(x).argmax(1) == y).sum()) for x, y in batches)
    return hits / sum(len(y) for _, y in batches)


@torch.no_grad()
def bn_mismatch(model, batches) -> list[tuple[str, float, float]]:
    """(layer, median |running mean − data mean| / data std, median running var / data var, median data var,
    steps the running statistics were updated) per BatchNorm."""
    inputs: dict[str, list[torch.Tensor]] = {}
    bns = {n: m for n, m in model.named_modules() if isinstance(m, torch.nn.BatchNorm2d)}
    hooks = [m.register_forward_hook(lambda mod, i, o, n=n: inputs.setdefault(n, []).append(i[0]))
             for n, m in bns.items()]
    accuracy(model, batches, train_mode=False)
    for h in hooks:
        h.remove()
    rows = []
    for n, m in bns.items():
        a = torch.cat(inputs[n]).transpose(0, 1).flatten(1)
        mean, var = a.mean(1), a.var(1)
        rows.append((n, float(((m.running_mean - mean).abs() / var.sqrt()).median()),
                     float((m.running_var / var).median()), float(var.median()), int(m.num_batches_tracked)))
    return rows


def measure_then_recalibrate(model, batches, device):
    clean = list(trainer._clean_batches(train_set, 256))
    print(f"training curve, last epoch (train mode, during training): {history[-1]['train_acc']:.2f}")
    print(f"eval mode, running statistics left by training:           {accuracy(model, clean, False):.2f}")
    print(f"train mode, batch statistics (batches of 32):             "
          f"{accuracy(copy.deepcopy(model), [(x[i], y[i]) for x, y in clean for i in torch.arange(len(y)).split(32)], True):.2f}")
    print("BatchNorm layer: median over channels of |running mean - data mean| / data std, running var / data var,"
          " data var; updates")
    for n, dm, rv, dv, steps in bn_mismatch(model, clean):
        print(f"  {n:22s} {dm:5.2f} {rv:6.2f} {dv:8.4f}  {steps}")
    print(f"weight of the initial running var (1.0) left after {steps} updates with momentum 0.1: {0.9 ** steps:.3f}")
    result = real_recalibrate(model, batches, device)
    print(f"eval mode after recomputing the statistics (update_bn):  {accuracy(model, clean, False):.2f}")
    return result


_, train_set, _ = trainer._build(CONFIG.resolved())
history: list[dict] = []
real_recalibrate = trainer.recalibrate_batchnorm
trainer.recalibrate_batchnorm = measure_then_recalibrate
with tempfile.TemporaryDirectory() as out:
    train(CONFIG, out, resume=False, progress=False, on_epoch=history.append)
