import torch

from layerwalk.featurevis.transforms import (PaperTransforms, center_crop, compose, distribution_blend,
                                             gaussian_blur, pad, roll, rotate_scale)


def gens(n, seed=0):
    return [torch.Generator().manual_seed(seed + i) for i in range(n)]


def test_pad_then_crop_is_identity():
    x = torch.randn(2, 3, 9, 7)
    assert torch.equal(compose(pad(10), center_crop((9, 7)))(x, gens(2)), x)


def test_blur_with_zero_sigma_is_identity_and_blur_smooths():
    x = torch.randn(2, 3, 16, 16)
    assert torch.allclose(gaussian_blur(5, (0.0, 0.0))(x, gens(2)), x)
    blurred = gaussian_blur(5, (1.0, 1.0))(x, gens(2))
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
    out = rotate_scale((1, 10), 0.5, (1.0, 1.05), 0.0)(x, gens(8, seed=3))
    changed = [(not torch.equal(out[i], x[i])) for i in range(8)]
    assert 0 < sum(changed) < 8


def test_distribution_blend_moves_towards_dataset_statistics():
    x = torch.randn(4, 3, 10, 10) * 5 + 3
    out = distribution_blend([0, 0, 0], [1, 1, 1], 0.05)(x, gens(4))
    assert (out.mean((2, 3)).abs() < x.mean((2, 3)).abs()).all()
    assert torch.allclose(out, 0.95 * x + 0.05 * (x - x.mean((2, 3), keepdim=True)) / x.std((2, 3), keepdim=True))


def test_each_image_draws_from_its_own_generator():
    """A channel's transforms do not depend on which other channels share its batch."""
    t = PaperTransforms(p_rotate=1.0, p_roll=1.0).build((16, 16), [0] * 3, [1] * 3)
    x = torch.randn(1, 3, 16, 16)
    alone = t(x, [torch.Generator().manual_seed(42)])
    batched = t(torch.cat([torch.randn(1, 3, 16, 16), x]), [torch.Generator().manual_seed(7),
                                                           torch.Generator().manual_seed(42)])
    assert torch.allclose(alone[0], batched[1], atol=1e-5)
