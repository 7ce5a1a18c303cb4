"""Algorithm 2's clustering of per-layer influence profiles, and the disturbed copies it is run on."""

import numpy as np
import pytest
import torch

from layerwalk.errors import SpecError
from layerwalk.influence import InfluenceResult, InfluenceScores, TrainingSet
from layerwalk.influence.clustering import cluster_profiles, group_profiles, layer_profiles
from layerwalk.influence.disturbances import (
    inverted_background,
    object_mask,
    patch_shuffle,
    texture_transfer,
    white_background,
)


def test_profiles_that_rise_and_fall_together_cluster_together():
    layers = [f"l{i}" for i in range(6)]
    shape_a, shape_b = np.array([1, 2, 3, 2, 1, 0.]), np.array([3, 0, 2, -1, 4, 1.])
    names = ["original", "white bg", "texture", "style"]
    # original and white bg: same shape at different scales (Pearson 1); texture/style: two other shapes
    profiles = np.stack([shape_a, 5 * shape_a + 2, shape_b, -shape_a + 0.1 * shape_b])
    result = cluster_profiles(names, profiles, layers, clusters=3)
    assert result.clusters[0] == result.clusters[1]
    assert len({result.clusters[0], result.clusters[2], result.clusters[3]}) == 3
    assert result.distance[0, 1] == pytest.approx(0, abs=1e-12)
    assert result.distance[0, 3] > 1.5  # anti-correlated: 1 − ρ close to 2
    assert result.similarity[0, 1] == pytest.approx(100)
    assert result.dendrogram_png().startswith(b"\x89PNG")


def test_group_profiles_average_intra_class_layer_scores():
    per_layer = torch.zeros(2, 3, 4)  # 2 layers, 3 queries, 4 training images
    per_layer[0, :, :2] = 1.0   # layer 0 favours the class-0 images
    per_layer[1, :, 2:] = torch.tensor([[2.0], [4.0], [6.0]])
    train = TrainingSet(torch.zeros(4, 1, 2, 2), torch.tensor([0, 0, 1, 1]), "t")
    result = InfluenceResult("tracin", InfluenceScores(("a", "b"), per_layer), None, torch.tensor([0, 1, 1]), train)
    assert layer_profiles(result).tolist() == [[1.0, 0.0], [0.0, 4.0], [0.0, 6.0]]
    names, profiles = group_profiles(result, ["x", "y", "y"])
    assert names == ["x", "y"] and profiles.tolist() == [[1.0, 0.0], [0.0, 5.0]]
    with pytest.raises(SpecError, match="one per query"):
        group_profiles(result, ["x"])


def _shirt() -> np.ndarray:
    image = np.zeros((28, 28), np.uint8)
    image[6:22, 8:20] = np.arange(12, dtype=np.uint8) * 10 + 100
    return image


def test_background_disturbances_keep_the_object():
    image = _shirt()
    mask = object_mask(image)
    assert mask.sum() == 16 * 12
    white, inverted = white_background(image), inverted_background(image)
    assert (white[~mask] == 255).all() and (white[mask] == image[mask]).all()
    assert (inverted[~mask] == 255).all() and (inverted[mask] == image[mask]).all()


def test_patch_shuffle_moves_whole_tiles_and_keeps_the_pixels():
    image = _shirt()
    shuffled = patch_shuffle(image, patch=7, seed=1)
    assert not np.array_equal(shuffled, image)
    assert sorted(shuffled.ravel().tolist()) == sorted(image.ravel().tolist())
    tiles = {image[r:r + 7, c:c + 7].tobytes() for r in range(0, 28, 7) for c in range(0, 28, 7)}
    assert all(shuffled[r:r + 7, c:c + 7].tobytes() in tiles for r in range(0, 28, 7) for c in range(0, 28, 7))


def test_texture_transfer_changes_only_the_object():
    image, style = _shirt(), np.tile(np.array([[0, 250]], np.uint8), (28, 14))
    out = texture_transfer(image, style, alpha=0.6)
    mask = object_mask(image)
    assert (out[~mask] == image[~mask]).all()
    assert out[mask].std() > image[mask].std()  # the stripes of the style image show on the object
