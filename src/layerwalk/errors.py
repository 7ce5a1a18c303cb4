"""Errors that name the problem and what to do about it.

The CLI prints them without a traceback; the HTTP API turns them into ``{"error": code, "detail": text}``
with the status below. Anything that is not a ``LayerwalkError`` is a bug in layerwalk, not a user mistake.
"""

from __future__ import annotations


class LayerwalkError(Exception):
    """Base class: a user-facing error with a stable machine-readable ``code`` and an HTTP status."""

    code = "layerwalk_error"
    status = 400

    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail


class SpecError(LayerwalkError):
    """An unknown or malformed model/dataset spec."""

    code = "bad_spec"


class WeightsError(LayerwalkError):
    """A weights file that cannot be loaded safely or does not match the architecture."""

    code = "weights_mismatch"


class ImageError(LayerwalkError):
    """A file that is not a readable image, or one that is too large."""

    code = "bad_image"


class NotFoundError(LayerwalkError):
    """An unknown network, layer, dataset item or job id."""

    code = "not_found"
    status = 404


class CaptureError(LayerwalkError):
    """A model whose graph cannot be captured (e.g. it does not run on the example input)."""

    code = "capture_failed"


class BusyError(LayerwalkError):
    """A resource is busy (e.g. too many jobs); try again later."""

    code = "busy"
    status = 409
