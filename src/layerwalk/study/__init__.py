"""The memorization study (paper §5): does memorization run on high-frequency, local patterns?

``plan`` sizes it to a time budget, ``run`` trains the three strategies (``layerwalk.train``), ``analysis`` takes
the measures (``measures``: high-frequency fraction, Moran's I, bootstrap intervals), ``verdict`` compares them
with the paper's predictions and ``report`` writes the self-contained HTML report.

>>> from layerwalk.study import run_study
>>> results = run_study("study/", budget_minutes=15)  # doctest: +SKIP
"""

from layerwalk.study.analysis import MIN_SIDE, analyse, analysis_layers, spectral_layers
from layerwalk.study.measures import active, bootstrap_ci, bootstrap_diff_ci, high_frequency_fraction, morans_i
from layerwalk.study.plan import StudyPlan, plan_study
from layerwalk.study.run import run_study
from layerwalk.study.verdict import verdict

__all__ = ["MIN_SIDE", "StudyPlan", "active", "analyse", "analysis_layers", "bootstrap_ci", "bootstrap_diff_ci",
           "high_frequency_fraction", "morans_i", "plan_study", "run_study", "spectral_layers", "verdict"]
