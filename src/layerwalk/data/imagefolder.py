"""``imagefolder:PATH[:train|test|all][?undersample]``: your own images, one sub-folder per class.

As in the paper, the images are split per class into 80 % train and 20 % test with a fixed seed, so the split is
stratified and the same on every run. ``undersample`` reduces every class of the chosen split to the size of
the smallest one (against class imbalance). The default split is ``all``. Files that are not readable images
are skipped (``skipped`` counts them, and a warning names a few). ``mean``/``std`` are estimated from up to 256
images of the whole folder (shrunk to at most 128 pixels), so train and test get the same normalisation.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import numpy as np
from PIL import Image

from layerwalk.data.datasets import ImageDataset, image_mean_std, slug
from layerwalk.data.images import open_image
from layerwalk.errors import ImageError, SpecError

__all__ = ["ImageFolder", "parse_imagefolder_spec", "SPLITS"]

log = logging.getLogger(__name__)

SPLITS = ("train", "test", "all")
_GRAY_MODES = {"1", "L", "LA", "I", "I;16", "I;16B", "I;16L", "F"}
_STATS_SAMPLE = 256


class ImageFolder(ImageDataset):
    """Images in ``root/<class name>/…`` (sub-folders of a class folder are included).

    Args:
        root: the folder holding one folder per class (at least two).
        split: ``"train"`` (80 %), ``"test"`` (20 %) or ``"all"``.
        undersample: cut every class down to the smallest class of the split.
        seed: seed of the split and of the undersampling.
        test_fraction: share of each class that goes to the test split.

    Attributes:
        skipped: number of files that are not readable images.
        paths: the image file of each item.

    >>> ds = ImageFolder("scans", split="test", undersample=True)  # doctest: +SKIP
    >>> ds.class_names, len(ds)  # doctest: +SKIP
    (['covid', 'non-covid'], 496)
    """

    def __init__(self, root: str | Path, split: str = "all", *, undersample: bool = False, seed: int = 0,
                 test_fraction: float = 0.2):
        if split not in SPLITS:
            raise SpecError(f"imagefolder splits are {', '.join(SPLITS)}, not {split!r}")
        self.root = Path(root)
        self.class_names = _class_folders(self.root)
        by_class, self.skipped = _scan(self.root, self.class_names)
        chosen = [_split(files, split, test_fraction, (seed, k)) for k, files in enumerate(by_class)]
        if undersample:
            chosen = _undersample(chosen, seed)
        self.paths = [p for files in chosen for p in files]
        self.labels = [k for k, files in enumerate(chosen) for _ in files]
        self.spec = f"imagefolder:{self.root}:{split}" + ("?undersample" if undersample else "")
        self.id = slug(f"imagefolder-{self.root.name}-{split}" + ("-undersampled" if undersample else ""))
        self.name = f"{self.root.name} ({split}{', undersampled' if undersample else ''})"
        self.channels = _channels(by_class)
        self.mean, self.std = image_mean_std(_stats_images(by_class), self.channels)

    def __len__(self) -> int:
        return len(self.paths)

    def image(self, i: int) -> Image.Image:
        path = self.paths[self._check_index(i)]
        try:
            image = open_image(path.read_bytes())
        except (ImageError, OSError) as e:
            raise ImageError(f"{path} can no longer be read ({e}); restore or remove the file") from None
        return image.convert("L" if self.channels == 1 else "RGB")

    def label(self, i: int) -> int:
        return self.labels[self._check_index(i)]


def _class_folders(root: Path) -> list[str]:
    if not root.is_dir():
        raise SpecError(f"image folder {str(root)!r} does not exist; give a folder with one sub-folder per class")
    classes = sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if len(classes) < 2:
        found = f"only the class folder {classes[0]!r}" if classes else "no class folders"
        raise SpecError(f"{root} has {found}; an imagefolder needs one sub-folder per class and at least two "
                        f"classes, e.g. {root}/cats/*.jpg and {root}/dogs/*.jpg")
    return classes


def _scan(root: Path, classes: list[str]) -> tuple[list[list[Path]], int]:
    by_class, bad = [], []
    for name in classes:
        files = sorted(p for p in (root / name).rglob("*") if p.is_file() and not p.name.startswith("."))
        ok = [_is_image(p) for p in files]
        by_class.append([p for p, good in zip(files, ok) if good])
        bad += [p for p, good in zip(files, ok) if not good]
    if bad:
        shown = ", ".join(str(p.relative_to(root)) for p in bad[:3]) + (" …" if len(bad) > 3 else "")
        warnings.warn(f"{root}: skipped {len(bad)} files that are not readable images ({shown})", stacklevel=3)
        log.warning("%s: skipped %d unreadable files", root, len(bad))
    if sum(1 for files in by_class if files) < 2:
        raise SpecError(f"{root} needs readable images in at least two class folders (found images in "
                        f"{[c for c, f in zip(classes, by_class) if f] or 'none'}); add PNG/JPEG files")
    return by_class, len(bad)


def _is_image(path: Path) -> bool:
    try:
        with Image.open(path) as image:  # reads the header only: cheap for thousands of files
            return image.width > 0 and image.height > 0
    except Exception:  # noqa: BLE001 - anything PIL cannot identify is skipped and counted
        return False


def _split(files: list[Path], split: str, test_fraction: float, seed: tuple[int, int]) -> list[Path]:
    if split == "all":
        return files
    # one generator per class: adding a class never reshuffles the others
    order = np.random.default_rng(seed).permutation(len(files))
    n_test = int(round(len(files) * test_fraction))
    picked = order[:n_test] if split == "test" else order[n_test:]
    return [files[i] for i in sorted(picked)]


def _undersample(chosen: list[list[Path]], seed: int) -> list[list[Path]]:
    smallest = min(len(files) for files in chosen if files)
    rngs = [np.random.default_rng((seed, k, 1)) for k in range(len(chosen))]
    return [[files[i] for i in sorted(rng.choice(len(files), min(smallest, len(files)), replace=False))]
            for files, rng in zip(chosen, rngs)]


def _sample(by_class: list[list[Path]]) -> list[Path]:
    paths = [p for files in by_class for p in files]
    picks = np.linspace(0, len(paths) - 1, min(_STATS_SAMPLE, len(paths))).round().astype(int)
    return [paths[i] for i in sorted(set(picks))]


def _channels(by_class: list[list[Path]]) -> int:
    for path in _sample(by_class):
        with Image.open(path) as image:
            if image.mode not in _GRAY_MODES:
                return 3
    return 1


def _stats_images(by_class: list[list[Path]]):
    for path in _sample(by_class):
        try:
            image = open_image(path.read_bytes())
        except (ImageError, OSError):
            continue
        image.thumbnail((128, 128))  # the statistics barely change, the time does
        yield image


def parse_imagefolder_spec(spec: str, *, undersample: bool | None = None) -> ImageFolder:
    """``imagefolder:PATH[:train|test|all][?undersample]`` → ``ImageFolder``.

    Args:
        spec: the spec; PATH may itself contain ``:``.
        undersample: overrides the ``?undersample`` option when not ``None``.

    >>> parse_imagefolder_spec("imagefolder:/data/scans:train?undersample")  # doctest: +SKIP
    """
    body, _, query = spec.partition(":")[2].partition("?")
    options = {o.strip() for o in query.split("&") if o.strip()}
    unknown = options - {"undersample"}
    if unknown:
        raise SpecError(f"unknown imagefolder option(s) {', '.join(sorted(unknown))}; the only option is "
                        "?undersample, e.g. imagefolder:PATH:train?undersample")
    path, _, split = body.rpartition(":")
    if split not in SPLITS:
        path, split = body, "all"
    return ImageFolder(path, split, undersample=("undersample" in options) if undersample is None else undersample)
