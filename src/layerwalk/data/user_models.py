"""User models: ``path/to/file.py:factory`` and ``package.module:factory`` specs.

The factory is a function returning an ``nn.Module`` or an ``nn.Module`` subclass. ``num_classes`` and
``in_channels`` are passed as keyword arguments only when the caller gives them. Optional metadata, looked up
first on the returned model, then on the factory's module as an upper-case constant:

=================  ================  ==========================================================
model attribute    module constant   meaning
=================  ================  ==========================================================
``input_size``     ``INPUT_SIZE``    (C, H, W) of the input (default: (in_channels or 3, 224, 224))
``class_names``    ``CLASS_NAMES``   list of class names (default: take the dataset's)
``mean``/``std``   ``MEAN``/``STD``  per-channel normalisation on 0…1 pixels (default: the dataset's)
=================  ================  ==========================================================

Loading a ``.py`` file or a module runs its code: only point layerwalk at code you trust.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from torch import nn

from layerwalk.errors import SpecError

__all__ = ["UserModel", "user_model", "is_user_spec"]


@dataclass
class UserModel:
    model: nn.Module
    input_size: tuple[int, int, int] | None
    class_names: list[str] | None
    mean: tuple[float, ...] | None
    std: tuple[float, ...] | None


def is_user_spec(spec: str) -> bool:
    """True for ``something.py:name`` and ``dotted.module:name``."""
    source, sep, attr = spec.rpartition(":")
    return bool(sep and source and attr.isidentifier())


def user_model(spec: str, *, num_classes: int | None = None, in_channels: int | None = None) -> UserModel:
    """Build the model of a ``file.py:factory`` or ``package.module:factory`` spec.

    Args:
        spec: the spec.
        num_classes: passed to the factory as ``num_classes=`` when given.
        in_channels: passed to the factory as ``in_channels=`` when given.

    Returns:
        The model and whatever metadata it declares (see the module docstring).

    Raises:
        SpecError: file/module/attribute not found, factory fails or returns no ``nn.Module``.

    >>> user_model("examples/tiny.py:TinyNet", num_classes=3).model  # doctest: +SKIP
    """
    source, _, attr = spec.rpartition(":")
    module = _import_file(Path(source)) if source.endswith(".py") else _import_module(source)
    factory = getattr(module, attr, None)
    if not callable(factory):
        found = ", ".join(n for n in dir(module) if not n.startswith("_"))[:300]
        raise SpecError(f"{source} has no callable {attr!r}; it defines: {found or 'nothing public'}")
    model = _call_factory(factory, spec, num_classes=num_classes, in_channels=in_channels)
    return UserModel(model, _meta(model, module, "input_size"), _meta(model, module, "class_names"),
                     _meta(model, module, "mean"), _meta(model, module, "std"))


def _import_file(path: Path) -> ModuleType:
    if not path.is_file():
        raise SpecError(f"model file {str(path)!r} does not exist; give the path of a .py file defining the model")
    # a name unique per file, so two different model.py files never share one sys.modules entry
    name = "layerwalk_user_" + hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:12]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickling look the module up here
    try:
        spec.loader.exec_module(module)
    except Exception as e:
        del sys.modules[name]
        raise SpecError(f"running {path} failed: {type(e).__name__}: {e}; fix the file and try again") from e
    return module


def _import_module(name: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except ImportError as e:
        raise SpecError(f"cannot import module {name!r} ({e}); check the name and that it is installed or on "
                        "PYTHONPATH, or give a file: path/to/model.py:factory") from None


def _call_factory(factory, spec: str, **options) -> nn.Module:
    kwargs = {k: v for k, v in options.items() if v is not None}
    try:
        model = factory(**kwargs)
    except TypeError as e:
        if kwargs:
            raise SpecError(f"{spec} does not accept {', '.join(kwargs)} ({e}); add these keyword arguments to "
                            "the factory or leave them out") from None
        raise SpecError(f"calling {spec} failed: {e}; the factory must work without arguments") from None
    if not isinstance(model, nn.Module):
        raise SpecError(f"{spec} returned {type(model).__name__}, not a torch nn.Module; return the model")
    return model


def _meta(model: nn.Module, module: ModuleType, name: str):
    value = getattr(model, name, None)
    if value is None or isinstance(value, nn.Module) or callable(value):
        value = getattr(module, name.upper(), None)
    if value is None:
        return None
    convert = {"class_names": str, "input_size": int}.get(name, float)
    try:
        values = [convert(v) for v in value]
    except (TypeError, ValueError):
        raise SpecError(f"the model's {name} ({value!r}) is not a list of {convert.__name__}; fix it") from None
    if name == "input_size" and len(values) != 3:
        raise SpecError(f"the model's input_size must be (C, H, W), got {value!r}; fix it in the model file")
    return values if name == "class_names" else tuple(values)
