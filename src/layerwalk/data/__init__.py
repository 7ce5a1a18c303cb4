"""Models and datasets by spec: ``load_model("demo")``, ``load_dataset("photos")``, safe weights and images.

>>> from layerwalk.data import load_model, load_dataset
>>> bundle = load_model("covidresnet")
>>> dataset = load_dataset("fashion-mnist:test")
"""

from layerwalk.data.covid_nets import CovidDenseNet, CovidResNet
from layerwalk.data.datasets import DATASET_SPECS, ImageDataset, TorchDataset, load_dataset
from layerwalk.data.fashion_mnist import FashionMNIST
from layerwalk.data.imagefolder import ImageFolder
from layerwalk.data.imagenet import IMAGENET_MEAN, IMAGENET_STD, imagenet_class_names
from layerwalk.data.images import noise_image, open_image
from layerwalk.data.models import MODEL_SPECS, ModelBundle, load_model
from layerwalk.data.photos import Photos
from layerwalk.data.weights import load_weights, mismatch_report, read_state_dict

__all__ = [
    "CovidDenseNet",
    "CovidResNet",
    "DATASET_SPECS",
    "FashionMNIST",
    "IMAGENET_MEAN",
    "IMAGENET_STD",
    "ImageDataset",
    "ImageFolder",
    "MODEL_SPECS",
    "ModelBundle",
    "Photos",
    "TorchDataset",
    "imagenet_class_names",
    "load_dataset",
    "load_model",
    "load_weights",
    "mismatch_report",
    "noise_image",
    "open_image",
    "read_state_dict",
]
