"""The objective algebra: what feature visualization maximises, as weighted sums of terms (like Lucent's).

>>> from layerwalk.featurevis.objectives import channel, tv, parse
>>> objective = channel() - 0.1 * tv()
>>> str(objective), objective == parse("channel - 0.1*tv")
('channel() - 0.1*tv()', True)

Terms (each gives one number per image; ``layer=None`` is the layer being visualized, ``channel=None`` each
image's own channel of it):

* ``channel(layer, channel)`` — the channel's mean activation; ``neuron(layer, channel, y, x)`` — one position
  (default: the centre); ``direction(vector, layer)`` — the mean over positions of the activation vector's dot
  product with ``vector`` (Lucid's ``direction``); ``class_logit(k)`` — logit ``k``;
* ``diversity(layer)`` — minus the mean cosine similarity between the Gram matrices of the images of the same
  channel (``images_per_channel > 1``);
* ``tv()`` — total variation of the image (0…1 pixels: mean |Δx| + mean |Δy|); ``l2(constant)`` — the RMS
  distance of its pixels from ``constant``. Subtract them to penalise.

Objectives add, subtract, negate and scale by numbers (linear, so every objective is a weighted sum of terms:
equal objectives compare equal, and the JSON form is a list of ``{"term": …, "weight": …}``). The cache key and
the API carry that JSON form; the CLI takes the text form (``parse``).
"""

from __future__ import annotations

import ast
import numbers
from dataclasses import dataclass, field, fields

from layerwalk.errors import LayerwalkError

KINDS = ("channel", "neuron", "direction", "class_logit", "diversity", "tv", "l2")
IMAGE_TERMS = ("tv", "l2")


@dataclass(frozen=True)
class Term:
    """One term; which fields matter depends on ``kind``."""

    kind: str
    layer: str | None = None
    channel: int | None = None
    y: int | None = None
    x: int | None = None
    vector: tuple[float, ...] | None = None
    constant: float = 0.5

    def __post_init__(self):
        if self.kind not in KINDS:
            raise LayerwalkError(f"unknown objective term {self.kind!r}; use one of {', '.join(KINDS)}")

    def text(self) -> str:
        if self.kind == "class_logit":
            return f"class_logit({self.channel})"
        defaults = {f.name: f.default for f in fields(Term)}
        args = [f"{k}={v!r}" for k, v in self.to_json().items() if k != "term" and v != defaults.get(k)]
        return f"{self.kind}({', '.join(args)})"

    def to_json(self) -> dict:
        out = {"term": self.kind, "layer": self.layer, "channel": self.channel, "y": self.y, "x": self.x,
               "vector": list(self.vector) if self.vector is not None else None,
               "constant": self.constant if self.kind == "l2" else None}
        return {k: v for k, v in out.items() if v is not None}


@dataclass(frozen=True)
class Objective:
    """A weighted sum of terms to maximise. Build with the term functions and ``+ - *``."""

    terms: tuple[tuple[float, Term], ...] = field(default_factory=tuple)

    def __add__(self, other):
        if isinstance(other, numbers.Number) and other == 0:   # sum([...]) starts from 0
            return self
        if not isinstance(other, Objective):
            return NotImplemented
        return Objective(_collect(self.terms + other.terms))

    __radd__ = __add__

    def __neg__(self):
        return self * -1

    def __sub__(self, other):
        return self + (-other) if isinstance(other, Objective) else NotImplemented

    def __mul__(self, k):
        if isinstance(other := k, Objective):
            raise LayerwalkError("objectives can be scaled by numbers only, not multiplied together")
        if not isinstance(other, numbers.Real):
            return NotImplemented
        return Objective(_collect(tuple((w * float(k), t) for w, t in self.terms)))

    __rmul__ = __mul__

    def __str__(self) -> str:
        parts = []
        for w, t in self.terms:
            sign = "-" if w < 0 else "+"
            mag = abs(w)
            parts.append(f" {sign} {'' if mag == 1 else f'{mag:g}*'}{t.text()}")
        text = "".join(parts).strip()
        return text[2:] if text.startswith("+ ") else "-" + text[2:] if text else "0"

    def to_json(self) -> list[dict]:
        return [{**t.to_json(), "weight": w} for w, t in self.terms]

    @classmethod
    def from_json(cls, items: list[dict]) -> Objective:
        """``[{"term": "channel", "weight": 1}, {"term": "tv", "weight": -0.1}]`` → objective."""
        terms = []
        for item in items:
            item = dict(item)
            weight = float(item.pop("weight", 1.0))
            kind = item.pop("term", None)
            if kind is None:
                raise LayerwalkError(f"objective term {item} has no 'term' (one of {', '.join(KINDS)})")
            terms.append((weight, _term(kind, **item)))
        return cls(_collect(tuple(terms)))

    def layers(self) -> set[str | None]:
        """The layers the terms read (None: the visualized layer); image terms read none."""
        return {("output" if t.kind == "class_logit" else t.layer) for _, t in self.terms
                if t.kind not in IMAGE_TERMS}


def _collect(terms) -> tuple[tuple[float, Term], ...]:
    """Merge equal terms (so ``a + a == 2 * a``) and drop zero weights; keeps first-seen order."""
    merged: dict[Term, float] = {}
    for w, t in terms:
        merged[t] = merged.get(t, 0.0) + w
    return tuple((w, t) for t, w in merged.items() if w != 0)


def _term(kind: str, **kwargs) -> Term:
    if kind not in KINDS:
        raise LayerwalkError(f"unknown objective term {kind!r}; use one of {', '.join(KINDS)}")
    known = {f.name for f in fields(Term)} - {"kind"}
    bad = set(kwargs) - known
    if bad:
        raise LayerwalkError(f"objective term {kind!r} has no argument(s) {sorted(bad)}; known: {sorted(known)}")
    if kwargs.get("vector") is not None:
        kwargs["vector"] = tuple(float(v) for v in kwargs["vector"])
    if kind == "direction" and not kwargs.get("vector"):
        raise LayerwalkError("direction needs a vector: one weight per channel of its layer")
    if kind == "class_logit" and kwargs.get("channel") is None:
        raise LayerwalkError("class_logit needs the class index, e.g. class_logit(285)")
    return Term(kind, **kwargs)


def _one(kind: str, **kwargs) -> Objective:
    return Objective(((1.0, _term(kind, **kwargs)),))


def channel(layer: str | None = None, channel: int | None = None) -> Objective:
    return _one("channel", layer=layer, channel=channel)


def neuron(layer: str | None = None, channel: int | None = None, y: int | None = None,
           x: int | None = None) -> Objective:
    return _one("neuron", layer=layer, channel=channel, y=y, x=x)


def direction(vector, layer: str | None = None) -> Objective:
    return _one("direction", layer=layer, vector=vector)


def class_logit(k: int) -> Objective:
    return _one("class_logit", channel=int(k))


def diversity(layer: str | None = None) -> Objective:
    return _one("diversity", layer=layer)


def tv() -> Objective:
    return _one("tv")


def l2(constant: float = 0.5) -> Objective:
    return _one("l2", constant=float(constant))


_BUILDERS = {"channel": channel, "neuron": neuron, "direction": direction, "class_logit": class_logit,
             "diversity": diversity, "tv": tv, "l2": l2}


def parse(text: str) -> Objective:
    """The text form: ``"channel - 0.1*tv"``, ``"class_logit(285) + 0.5*neuron('_blocks.3', 4)"``.

    Only numbers, the term functions (bare name = no arguments), ``+ - *`` and constant arguments are allowed;
    the text is parsed, never evaluated as Python.
    """
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError as exc:
        raise LayerwalkError(f"objective {text!r} is not a valid expression ({exc.msg}); "
                             "write e.g. \"channel - 0.1*tv\"") from None
    result = _evaluate(tree, text)
    if not isinstance(result, Objective):
        raise LayerwalkError(f"objective {text!r} is a number, not an objective; include a term such as channel")
    return result


def _evaluate(node, text: str):
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        return node.value
    if isinstance(node, ast.Name) and node.id in _BUILDERS:   # a bare name: the term without arguments
        node = ast.Call(func=node, args=[], keywords=[])
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _BUILDERS:
        args = [_literal(a, text) for a in node.args]
        kwargs = {k.arg: _literal(k.value, text) for k in node.keywords}
        try:
            return _BUILDERS[node.func.id](*args, **kwargs)
        except TypeError as exc:
            raise LayerwalkError(f"objective {text!r}: {exc}") from None
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        value = _evaluate(node.operand, text)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult)):
        a, b = _evaluate(node.left, text), _evaluate(node.right, text)
        op = {ast.Add: lambda: a + b, ast.Sub: lambda: a - b, ast.Mult: lambda: a * b}[type(node.op)]
        try:
            return op()
        except TypeError:
            raise LayerwalkError(f"objective {text!r}: {ast.unparse(node)!r} adds a number to an objective; "
                                 "numbers may only scale terms (0.1*tv)") from None
    raise LayerwalkError(f"objective {text!r}: {ast.unparse(node)!r} is not allowed; use numbers, + - *, and "
                         f"the terms {', '.join(_BUILDERS)}")


def _literal(node, text: str):
    try:
        return ast.literal_eval(node)
    except ValueError:
        raise LayerwalkError(f"objective {text!r}: arguments must be constants, got {ast.unparse(node)!r}") from None
