"""EK-FAC influence (Grosse et al. 2023) through Kronfluence: factors (activation and gradient covariances, their
eigenbases, eigenvalue corrections) fitted once per (weights, training set), then per-module scores.

Kronfluence preconditions each conv/linear module with its own block of the EK-FAC Hessian, so a module's score is
its own term and the per-layer scores sum exactly to the total. Its factors live on disk under the cache folder,
keyed by the weights and dataset fingerprint; a second call with the same model and data reuses them.

Long steps are split so that progress is reported and cancel is honoured between them: the three factor phases,
then the training set in chunks (Kronfluence's ``train_indices``).
"""

from __future__ import annotations

import copy
import gc
import logging
import shutil
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import TensorDataset

from layerwalk.errors import SpecError

__all__ = ["EkfacParams", "EkfacInfluence"]


@dataclass(frozen=True)
class EkfacParams:
    """``damping``: added to the EK-FAC eigenvalues (None: Kronfluence's heuristic, 0.1 × their mean);
    ``fisher``: ``"sampled"`` (labels drawn from the model, the true Fisher) or ``"empirical"`` (the given labels);
    ``dtype``: precision of factors and scores (float64 for small exact experiments); ``factor_examples``: fit the
    covariances and eigenvalue corrections on the first N training images only (None: all) — Kronfluence's
    ``covariance_max_examples``/``lambda_max_examples``; the Hessian estimate needs far fewer images than there are
    to score, and fitting is the expensive part on wide conv layers; ``chunk``: training images per scoring call
    (progress and cancel are checked between chunks; each call re-preconditions the queries, so larger is faster);
    ``query_batch``: queries preconditioned at once — Kronfluence sweeps the training set once per query batch, so
    one batch for all queries avoids repeated passes (memory ≈ query_batch × parameters × 4 bytes)."""

    damping: float | None = None
    fisher: str = "sampled"
    batch_size: int = 64
    chunk: int = 4096
    dtype: torch.dtype = torch.float32
    factor_examples: int | None = None
    query_batch: int = 128


class _ClassificationTask:
    """Kronfluence ``Task``: the training loss and the query measurement are both cross-entropy; labels for the
    true Fisher are sampled with a seeded generator so that fitting is reproducible."""

    def __new__(cls, layers: list[str], seed: int):
        from kronfluence.task import Task

        class ClassificationTask(Task):
            def __init__(self) -> None:
                super().__init__()
                self.generator = torch.Generator().manual_seed(seed)

            def compute_train_loss(self, batch, model, sample=False):
                x, y = batch
                logits = model(x)
                if sample:
                    with torch.no_grad():
                        probs = F.softmax(logits.detach().double(), -1).cpu()
                        y = torch.multinomial(probs, 1, generator=self.generator).flatten().to(logits.device)
                return F.cross_entropy(logits, y, reduction="sum")

            def compute_measurement(self, batch, model):
                x, y = batch
                return F.cross_entropy(model(x), y, reduction="sum")

            def get_influence_tracked_modules(self):
                return list(layers)

        return ClassificationTask()


class EkfacInfluence:
    """One model + training set under Kronfluence, with factors cached in ``folder``.

    Args:
        model: the classifier (copied; Kronfluence wraps the copy's modules).
        layers: conv/linear module paths to score.
        inputs, labels: the training set.
        folder: where Kronfluence keeps factors (the cache entry of these weights and data).
        params: ``EkfacParams``.
        seed: seeds the sampled Fisher labels.
    """

    def __init__(self, model: nn.Module, layers: list[str], inputs: torch.Tensor, labels: torch.Tensor,
                 folder: Path, params: EkfacParams, seed: int = 0):
        from kronfluence.analyzer import Analyzer, prepare_model

        self.layers, self.params, self.folder = layers, params, Path(folder)
        self.train = TensorDataset(inputs.to(params.dtype), labels)
        task = _ClassificationTask(layers, seed)
        model = prepare_model(copy.deepcopy(model).to(params.dtype).eval(), task)
        with _quiet():
            self.analyzer = Analyzer(analysis_name="ekfac", model=model, task=task, cpu=True, disable_tqdm=True,
                                     log_level=logging.WARNING, output_dir=str(self.folder))

    def fit_factors(self, progress: Callable[[float, str], None]) -> None:
        """Covariances → eigendecomposition → eigenvalue corrections (each skipped when already on disk)."""
        args = self._factor_args()
        common = {"factors_name": "factors", "factor_args": args}
        loader = {"dataset": self.train, "per_device_batch_size": self.params.batch_size}
        with _quiet():
            progress(0.0, "EK-FAC: covariances")
            self.analyzer.fit_covariance_matrices(**common, **loader)
            progress(0.4, "EK-FAC: eigendecomposition")
            try:
                self.analyzer.perform_eigendecomposition(**common)
            except torch.linalg.LinAlgError as e:
                raise SpecError(
                    "EK-FAC could not eigendecompose a layer's covariance (it is singular or not finite; seen with "
                    "untrained, Kaiming-initialised weights whose activations blow up). Use trained weights, "
                    f"EkfacParams(dtype=torch.float64), or method 'tracin' ({e})") from None
            progress(0.5, "EK-FAC: eigenvalue corrections")
            self.analyzer.fit_lambda_matrices(**common, **loader)
            progress(1.0, "EK-FAC: factors ready")

    def pairwise(self, queries: torch.Tensor, query_labels: torch.Tensor,
                 progress: Callable[[float, str], None]) -> torch.Tensor:
        """(L, Q, N) per-layer scores, the training set scored in chunks."""
        query = TensorDataset(queries.to(self.params.dtype), query_labels)
        n, parts = len(self.train), []
        for start in range(0, n, self.params.chunk):
            indices = list(range(start, min(start + self.params.chunk, n)))
            with _quiet():
                self.analyzer.compute_pairwise_scores(
                    scores_name="pairwise", factors_name="factors", query_dataset=query, train_dataset=self.train,
                    per_device_query_batch_size=min(len(query), self.params.query_batch),
                    per_device_train_batch_size=self.params.batch_size,
                    train_indices=indices, score_args=self._score_args(), overwrite_output_dir=True)
                scores = self.analyzer.load_pairwise_scores("pairwise")
            parts.append(torch.stack([scores[layer].float() for layer in self.layers]))
            progress(indices[-1] / n, f"EK-FAC scores {indices[-1] + 1}/{n}")
        shutil.rmtree(self.folder / "ekfac" / "scores_pairwise", ignore_errors=True)
        return torch.cat(parts, dim=2)

    def self_influence(self, progress: Callable[[float, str], None]) -> torch.Tensor:
        """(L, N) per-layer self-influence ∇L(i)ᵀ H⁻¹ ∇L(i)."""
        parts, n = [], len(self.train)
        for start in range(0, n, self.params.chunk):
            indices = list(range(start, min(start + self.params.chunk, n)))
            with _quiet():
                self.analyzer.compute_self_scores(
                    scores_name="self", factors_name="factors", train_dataset=self.train,
                    per_device_train_batch_size=self.params.batch_size, train_indices=indices,
                    score_args=self._score_args(), overwrite_output_dir=True)
                scores = self.analyzer.load_self_scores("self")
            parts.append(torch.stack([scores[layer].float() for layer in self.layers]))
            progress(indices[-1] / n, f"EK-FAC self-influence {indices[-1] + 1}/{n}")
        shutil.rmtree(self.folder / "ekfac" / "scores_self", ignore_errors=True)
        return torch.cat(parts, dim=1)

    def _factor_args(self):
        from kronfluence.arguments import FactorArguments

        d = self.params.dtype
        return FactorArguments(strategy="ekfac", use_empirical_fisher=self.params.fisher == "empirical",
                               activation_covariance_dtype=d, gradient_covariance_dtype=d,
                               per_sample_gradient_dtype=d, lambda_dtype=d,
                               covariance_max_examples=self.params.factor_examples,
                               lambda_max_examples=self.params.factor_examples)

    def _score_args(self):
        from kronfluence.arguments import ScoreArguments

        d = self.params.dtype
        return ScoreArguments(damping_factor=self.params.damping, compute_per_module_scores=True,
                              per_sample_gradient_dtype=d, precondition_dtype=d, score_dtype=d)


class _quiet:
    """While Kronfluence runs: silence its deprecation warnings (torch.cuda.amp on CPU), and freeze the objects that
    exist already out of the garbage collector's reach (``gc.freeze``). Kronfluence calls ``gc.collect()`` after
    every step to release GPU memory; in a process that holds a server, a dataset and torch, each full collection
    walks every object there is — on the convex benchmark these collections were 97 % of EK-FAC's time. Objects
    created during the call are still collected; ``gc.unfreeze`` on exit gives the rest back."""

    def __enter__(self):
        self._warnings = warnings.catch_warnings()
        self._warnings.__enter__()
        warnings.simplefilter("ignore", FutureWarning)
        gc.freeze()
        return self

    def __exit__(self, *exc):
        gc.unfreeze()
        self._warnings.__exit__(*exc)
        return False
