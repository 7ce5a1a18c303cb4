"""Why this class? Attribution of a network's decision to every layer, for several target classes at once.

One vocabulary for every method (``AttributionMethod.attribute(ctx) → MethodOutput``), one batched pass for all
targets and layers where the method allows it (``_pass.PassEngine``), one perturbation engine for occlusion and
Shapley sampling, one ``interpolate``. Entry point: ``layerwalk.attribute(network, method, targets, layers)``.
"""

from layerwalk.attribution.base import AttributionMethod, Cancelled, MethodOutput, NotApplicable, Param
from layerwalk.attribution.core import attribute, spatial_layers
from layerwalk.attribution.registry import DEFAULT_METHOD, METHODS, get_method, method_infos
from layerwalk.attribution.result import AttributionResult

__all__ = ["attribute", "AttributionResult", "AttributionMethod", "MethodOutput", "Param", "Cancelled", "NotApplicable",
           "METHODS", "DEFAULT_METHOD", "get_method", "method_infos", "spatial_layers"]
