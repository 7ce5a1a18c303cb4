"""The dissertation's disturbance experiment: its analysis on scores with a known structure, and
``layerwalk influence-disturbances RUN --report`` end to end on a real (tiny) ``layerwalk train`` run."""

import base64
import json
import re

import numpy as np
import pytest
import torch
from scipy.cluster.hierarchy import linkage
from scipy.spatial.distance import pdist

from layerwalk.cli import main
from layerwalk.influence import InfluenceResult, InfluenceScores, TrainingSet, train_with_checkpoints
from layerwalk.influence.disturbance_analysis import analyse, findings
from layerwalk.influence.disturbances import DISTURBANCES
from layerwalk.influence.experiment import DisturbanceExperiment, DisturbedQueries, run_disturbance_experiment
from layerwalk.train import TrainConfig

NAMES = tuple(DISTURBANCES)  # original, white background, inverted background, patch shuffle, texture transfer


def _designed_experiment(layers: int = 6, sources: int = 4, n: int = 60) -> DisturbanceExperiment:
    """Scores built so that, in every layer, the white-background copy's influence vector is its original's scaled
    (ρ = 1), the inverted one's is the original's plus noise, the patch-shuffled one's is unrelated and the
    texture-transferred one's is the negative (ρ = −1)."""
    g = torch.Generator().manual_seed(0)
    labels = torch.arange(sources) % 2
    train = TrainingSet(torch.zeros(n, 1, 4, 4), torch.arange(n) % 2, "designed", ("a", "b"))
    per_layer = torch.zeros(layers, sources * len(NAMES), n, dtype=torch.float64)
    query_labels, kinds, source_of = [], [], []
    for s in range(sources):
        for _k, name in enumerate(NAMES):
            query_labels.append(int(labels[s]))
            kinds.append(name)
            source_of.append(s)
        for layer in range(layers):
            v = torch.randn(n, generator=g, dtype=torch.float64) + layer  # profiles that differ between layers
            q = s * len(NAMES)
            per_layer[layer, q] = v
            per_layer[layer, q + 1] = 3 * v + 1
            per_layer[layer, q + 2] = v + 0.8 * torch.randn(n, generator=g, dtype=torch.float64)
            per_layer[layer, q + 3] = torch.randn(n, generator=g, dtype=torch.float64) * (layer + 1)
            per_layer[layer, q + 4] = -v
    result = InfluenceResult("tracin", InfluenceScores(tuple(f"l{i}" for i in range(layers)), per_layer), None,
                             torch.tensor(query_labels), train)
    queries = DisturbedQueries(torch.zeros(len(kinds), 1, 4, 4, dtype=torch.uint8), torch.tensor(query_labels),
                               tuple(kinds), tuple(source_of))
    predictions = torch.tensor(query_labels)
    predictions[4::5] = 1 - predictions[4::5]  # every texture-transferred copy misclassified
    return DisturbanceExperiment(queries, predictions, result, ("a", "b"), "designed")


def test_analysis_finds_the_designed_structure():
    experiment = _designed_experiment()
    a = analyse(experiment)
    assert a.disturbances == NAMES
    assert a.accuracy == {**dict.fromkeys(NAMES, 1.0), "texture transfer": 0.0}
    sim = a.layer_similarity
    assert sim.shape == (6, 5)
    np.testing.assert_allclose(sim[:, 0], 1)
    np.testing.assert_allclose(sim[:, 1], 1)
    np.testing.assert_allclose(sim[:, 4], -1)
    assert (sim[:, 2] > 0.6).all() and (np.abs(sim[:, 3]) < 0.4).all()
    # independently: per layer, ρ of original and each copy from numpy's corrcoef, averaged over the test images
    v = experiment.result.scores.per_layer.numpy()
    expected = [[np.mean([np.corrcoef(v[layer, 5 * s], v[layer, 5 * s + d])[0, 1] for s in range(4)])
                 for d in range(5)] for layer in range(6)]
    np.testing.assert_allclose(sim, expected, atol=1e-12)
    for c in a.layer_clusters:  # each layer's tree cut into 3: {original, white, inverted}, {shuffle}, {texture}
        assert c.clusters[0] == c.clusters[1] == c.clusters[2]
        assert len({c.clusters[0], c.clusters[3], c.clusters[4]}) == 3
    # Algorithm 2: the mean intra-class profile per disturbance, clustered by scipy with the Pearson distance
    totals = np.stack([[v[layer, q][np.arange(60) % 2 == experiment.queries.labels[q].item()].mean()
                        for layer in range(6)] for q in range(20)])
    profiles = np.stack([totals[k::5].mean(0) for k in range(5)])
    np.testing.assert_allclose(a.overall.profiles, profiles, atol=1e-12)
    np.testing.assert_allclose(a.overall.linkage, linkage(pdist(profiles, "correlation"), "average"), atol=1e-12)
    text = " ".join(findings(a))
    assert "closest to the original's is <b>white background</b>" in text
    assert "the farthest is <b>texture transfer</b>" in text
    assert "texture transfer 0 %" in text and "classifies 100 % of the originals" in text


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    config = TrainConfig(model="covidresnet", dataset="fashion-mnist", epochs=1, image_size=(28, 28),
                         train_subset=40, test_subset=20, batch_size=20, augment=False)
    return train_with_checkpoints(config, tmp_path_factory.mktemp("run"))


LAYERS = "conv1,layer2.0.conv1,layer3.0.conv2,fc"


@pytest.mark.slow
def test_cli_writes_the_disturbance_report_with_the_numbers_it_computed(run, tmp_path, capsys):
    report, numbers_file = tmp_path / "report.html", tmp_path / "numbers.json"
    code = main(["influence-disturbances", str(run), "--classes", "0,1", "--per-class", "2", "--method", "tracin",
                 "--layers", LAYERS, "--report", str(report), "--json", str(numbers_file)])
    assert code == 0, capsys.readouterr().err
    printed = capsys.readouterr().out
    assert f"wrote {report}" in printed and "Algorithm 2 over the layer profiles" in printed
    page = report.read_text()
    numbers = json.loads(re.search(r"<script type='application/json' id='numbers'>(.*?)</script>", page).group(1))
    assert numbers == json.loads(numbers_file.read_text())
    for figure in ("overall", "by-class", "profiles", "layer-similarity", "layer-dendrograms"):
        data = re.search(rf"data-figure='{figure}' src='data:image/png;base64,([^']+)'", page).group(1)
        assert base64.b64decode(data).startswith(b"\x89PNG"), figure
    assert page.count("<div class='thumb' data-disturbance=") == 2 * len(NAMES)  # first image of each class
    assert len(re.findall(r"<li>", page.split("class='findings'>")[1].split("</ul>")[0])) == 3 + len(NAMES)

    # the same experiment through the Python API (scores read from the cache the CLI filled)
    experiment = run_disturbance_experiment(run, classes=[0, 1], per_class=2, method="tracin",
                                            layers=LAYERS.split(","))
    q = experiment.queries
    assert len(q.labels) == 2 * 2 * len(NAMES) and set(q.labels.tolist()) == {0, 1}
    assert q.disturbance[:5] == NAMES
    originals = q.pixels[0::5]
    for k in range(1, 5):  # every disturbed copy differs from its original, the original is the test image
        assert all(not torch.equal(o, d) for o, d in zip(originals, q.pixels[k::5])), NAMES[k]
    assert numbers["layers"] == LAYERS.split(",") and numbers["disturbances"] == list(NAMES)
    correct = (experiment.predictions == q.labels).numpy()
    assert numbers["accuracy"] == {d: pytest.approx(correct[k::5].mean()) for k, d in enumerate(NAMES)}
    v = experiment.result.scores.per_layer.double().numpy()
    sources = range(0, len(q.labels), 5)
    expected = [[np.mean([np.corrcoef(v[layer, s], v[layer, s + d])[0, 1] for s in sources]) for d in range(5)]
                for layer in range(len(numbers["layers"]))]
    np.testing.assert_allclose(numbers["layer_similarity"], expected, atol=1e-9)


def test_cli_disturbances_unknown_class_is_a_clear_error(run, tmp_path, capsys):
    code = main(["influence-disturbances", str(run), "--classes", "42", "--report", str(tmp_path / "r.html")])
    assert code == 2 and "classes [42] have no test images" in capsys.readouterr().err
    assert not (tmp_path / "r.html").exists()
