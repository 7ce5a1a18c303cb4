"""``layerwalk influence RUN --report out.html`` end to end on a real (tiny) ``layerwalk train`` run."""

import json
import re

import pytest

from layerwalk.cli import main
from layerwalk.influence import train_with_checkpoints
from layerwalk.train import TrainConfig


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    config = TrainConfig(model="covidresnet", dataset="fashion-mnist", epochs=1, image_size=(28, 28),
                         train_subset=40, test_subset=10, batch_size=20, augment=False)
    return train_with_checkpoints(config, tmp_path_factory.mktemp("run"))


def _thumbs(block: str) -> list[tuple[int, float]]:
    return [(int(i), float(s)) for i, s in re.findall(r"data-index='(\d+)' data-score='([^']+)'", block)]


@pytest.mark.slow
def test_cli_writes_json_and_an_html_report_with_the_rankings(run, tmp_path, capsys):
    out, report = tmp_path / "influence", tmp_path / "report.html"
    code = main(["influence", str(run), "--method", "ekfac", "--layers", "conv1,fc", "--queries", "0-1", "--top", "4",
                 "--out", str(out), "--report", str(report)])
    assert code == 0, capsys.readouterr().err
    assert f"wrote {report}" in capsys.readouterr().out
    summary = json.loads((out / "influence.json").read_text())
    page = report.read_text()
    sections = page.split("<section class='query'")[1:]
    assert len(sections) == 2 and page.count("data:image/png;base64,") > 2 * (1 + 8)
    for query, section in zip(summary["queries"], sections):
        overall = section.split("<table")[0]
        pro = _thumbs(overall.split("class='row opponents overall'")[0])
        con = _thumbs(overall.split("class='row opponents overall'")[1])
        assert [i for i, _ in pro] == [r["index"] for r in query["proponents"]]
        assert [i for i, _ in con] == [r["index"] for r in query["opponents"]]
        assert pro[0][1] == pytest.approx(query["proponents"][0]["score"], rel=1e-4)
        rows = [row.split("</tr>")[0] for row in section.split("<td class='layer'>")[1:]]
        assert [row.split("<")[0] for row in rows] == summary["layers"] == ["conv1", "fc"]
        for layer, row in zip(summary["layers"], rows):
            assert [i for i, _ in _thumbs(row)] == [r["index"] for r in query["layers"][layer]["proponents"]
                                                    + query["layers"][layer]["opponents"]]
    self_part = page.split("Highest self-influence")[1]
    assert [i for i, _ in _thumbs(self_part)] == [r["index"] for r in summary["self_influence"]]


def test_cli_report_bad_queries_is_a_clear_error(run, tmp_path, capsys):
    code = main(["influence", str(run), "--queries", "0-99", "--out", str(tmp_path), "--report",
                 str(tmp_path / "r.html")])
    assert code == 2 and "test set has 10 images" in capsys.readouterr().err
    assert not (tmp_path / "r.html").exists()
