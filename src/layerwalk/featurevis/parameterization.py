"""Image parameterisations: ``(params, image_f)`` pairs, as in Lucent.

``pixel`` is the paper's: the image itself. ``fourier`` (off by default, an improvement beyond the paper) puts
the image in a 1/f-scaled Fourier basis, which makes gradient steps favour low frequencies.
"""

from __future__ import annotations

import torch


def pixel(start: torch.Tensor):
    x = start.clone().requires_grad_(True)
    return [x], lambda: x


def _frequency_scale(h: int, w: int, decay: float = 1.0, device=None) -> torch.Tensor:
    fy = torch.fft.fftfreq(h, device=device).view(-1, 1)
    fx = torch.fft.rfftfreq(w, device=device).view(1, -1)
    freq = torch.sqrt(fx * fx + fy * fy)
    return 1.0 / torch.clamp(freq, min=1.0 / max(h, w)) ** decay


def fourier(start: torch.Tensor, decay: float = 1.0):
    """The start image expressed exactly in the scaled Fourier basis, so optimisation starts from it."""
    h, w = start.shape[-2:]
    scale = _frequency_scale(h, w, decay, start.device)
    spectrum = torch.fft.rfft2(start) / scale
    params = torch.view_as_real(spectrum).clone().requires_grad_(True)

    def image_f():
        return torch.fft.irfft2(torch.view_as_complex(params) * scale, s=(h, w))
    return [params], image_f


def lucid_image(n: int, size: tuple[int, int], gens, color_matrix: torch.Tensor, sd: float = 0.01,
                decay: float = 1.0, device=None):
    """Lucid's image: a 1/f-scaled spectrum per decorrelated colour channel → colour correlation → sigmoid.

    Starts from faint noise (spectrum ~ N(0, sd²), one generator per image, so it depends on the seed only).
    ``image_f()`` returns (n, C, H, W) pixels in 0…1 (C: the colour matrix's size; identity for grey images).
    As Lucid: orthonormal inverse FFT, then divided by 4
    (Lucid's constant, which keeps the sigmoid away from saturation at the start).
    """
    from layerwalk.featurevis.color import to_rgb

    h, w = size
    scale = _frequency_scale(h, w, decay, device)
    init = torch.stack([torch.randn(color_matrix.shape[0], h, w // 2 + 1, 2, generator=g) for g in gens]) * sd
    spectrum = init.to(device).requires_grad_(True)

    def image_f():
        decorrelated = torch.fft.irfft2(torch.view_as_complex(spectrum) * scale, s=(h, w), norm="ortho") / 4.0
        return torch.sigmoid(to_rgb(decorrelated, color_matrix))
    return [spectrum], image_f
