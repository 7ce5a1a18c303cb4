import pytest
import torch

from layerwalk.featurevis.transforms import PaperTransforms, compose, distribution_blend, geometry, roll
from tests.featurevis import per_image_transforms as reference


def gens(n, seed=0):
    return [torch.Generator().manual_seed(seed + i) for i in range(n)]


def plain_geometry(size, **kw):
    args = dict(pad=10, degrees=(1.0, 10.0), p_rotate=0.0, scale=(1.0, 1.05), p_scale=0.0, blur_kernel=5,
                blur_sigma=(0.0, 0.0), size=size)
    return geometry(**{**args, **kw})


@pytest.mark.parametrize("probabilities", [dict(p_rotate=0.3, p_scale=0.05, p_roll=0.3),
                                           dict(p_rotate=1.0, p_scale=1.0, p_roll=1.0),
                                           dict(p_rotate=0.5, p_scale=0.5, p_roll=0.5, pad=0, blur_sigma=(0.5, 1.0))])
def test_batched_transforms_equal_the_per_image_reference(probabilities):
    """Same seeds → the same draws and the same pixels as transforming each image on its own, step by step."""
    size, mean, std = (30, 41), [0.1, -0.2, 0.3], [0.9, 1.1, 0.8]
    x = torch.randn(12, 3, *size)
    kw = dict(probabilities)
    pad = kw.pop("pad", 10)
    batched = PaperTransforms(pad=pad, p_rotate=kw["p_rotate"], p_scale=kw["p_scale"], p_roll=kw["p_roll"],
                              blur_sigma=kw.get("blur_sigma", (0.0, 0.5))).build(size, mean, std)
    chain = reference.paper_transforms(size, mean, std, pad_px=pad, p_rotate=kw["p_rotate"], p_scale=kw["p_scale"],
                                       p_roll=kw["p_roll"], blur_sigma=kw.get("blur_sigma", (0.0, 0.5)))
    for step in range(3):  # generators advance across steps alike
        g_batched, g_single = gens(12, 100 * step), gens(12, 100 * step)
        out = batched(x, g_batched)
        expected = torch.cat([chain(x[i:i + 1], [g_single[i]]) for i in range(12)])
        assert out.shape == expected.shape == x.shape
        torch.testing.assert_close(out, expected, atol=1e-4, rtol=1e-4)
        assert [g.get_state().tolist() for g in g_batched] == [g.get_state().tolist() for g in g_single]


def test_images_that_draw_no_move_and_no_blur_stay_bit_exact():
    x = torch.randn(3, 3, 9, 7)
    assert torch.equal(plain_geometry((9, 7))(x, gens(3)), x)


def test_blur_smooths():
    x = torch.randn(2, 3, 16, 16)
    blurred = plain_geometry((16, 16), blur_sigma=(1.0, 1.0))(x, gens(2))
    assert blurred.diff(dim=-1).abs().mean() < 0.7 * x.diff(dim=-1).abs().mean()


def test_roll_moves_by_one_to_five_pixels():
    x = torch.zeros(1, 1, 20, 20)
    x[0, 0, 10, 10] = 1
    out = roll((1, 5), p=1.0)(x, gens(1))
    (y, xx), = [tuple(i.tolist()) for i in (out[0, 0] == 1).nonzero()]
    assert 1 <= abs(y - 10) <= 5 and 1 <= abs(xx - 10) <= 5
    assert torch.equal(roll((1, 5), p=0.0)(x, gens(1)), x)


def test_rotation_changes_only_images_that_drew_it():
    x = torch.randn(8, 3, 12, 12)
    out = plain_geometry((12, 12), p_rotate=0.5)(x, gens(8, seed=3))
    changed = [(not torch.equal(out[i], x[i])) for i in range(8)]
    assert 0 < sum(changed) < 8


def test_transforms_pass_gradients_for_the_fourier_loop():
    x = torch.randn(4, 3, 16, 16, requires_grad=True)
    out = PaperTransforms(p_rotate=1.0, p_roll=1.0).build((16, 16), [0] * 3, [1] * 3)(x, gens(4))
    (grad,) = torch.autograd.grad((out * torch.randn_like(out)).sum(), x)
    assert torch.isfinite(grad).all() and (grad.abs().sum((1, 2, 3)) > 0).all()


def test_distribution_blend_moves_towards_dataset_statistics():
    x = torch.randn(4, 3, 10, 10) * 5 + 3
    out = distribution_blend([0, 0, 0], [1, 1, 1], 0.05)(x, gens(4))
    assert (out.mean((2, 3)).abs() < x.mean((2, 3)).abs()).all()
    assert torch.allclose(out, 0.95 * x + 0.05 * (x - x.mean((2, 3), keepdim=True)) / x.std((2, 3), keepdim=True))


def test_each_image_draws_from_its_own_generator():
    """A channel's transforms do not depend on which other channels share its batch."""
    t = compose(PaperTransforms(p_rotate=1.0, p_roll=1.0).build((16, 16), [0] * 3, [1] * 3))
    x = torch.randn(1, 3, 16, 16)
    alone = t(x, [torch.Generator().manual_seed(42)])
    batched = t(torch.cat([torch.randn(1, 3, 16, 16), x]), [torch.Generator().manual_seed(7),
                                                           torch.Generator().manual_seed(42)])
    assert torch.allclose(alone[0], batched[1], atol=1e-5)
