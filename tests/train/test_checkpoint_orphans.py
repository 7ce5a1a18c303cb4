"""A training killed while saving leaves ``checkpoint.tmp``: the next run removes it when it starts."""

from __future__ import annotations

import pytest

from layerwalk.errors import LayerwalkError
from layerwalk.train import TrainConfig, train
from layerwalk.train.checkpoint import remove_stale_temp
from layerwalk.train.trainer import CHECKPOINT


def test_a_run_removes_the_orphaned_checkpoint_temp_at_start(tmp_path):
    orphan = (tmp_path / CHECKPOINT).with_suffix(".tmp")
    orphan.write_bytes(b"half a checkpoint")
    with pytest.raises(LayerwalkError):  # fails after the start: the dataset does not exist
        train(TrainConfig(model="demo", dataset="imagefolder:/nonexistent/folder", epochs=1), tmp_path,
              progress=False)
    assert not orphan.exists()


def test_remove_stale_temp_reports_what_it_did(tmp_path):
    path = tmp_path / CHECKPOINT
    assert remove_stale_temp(path) is False
    path.with_suffix(".tmp").write_bytes(b"x")
    path.write_bytes(b"the real checkpoint")
    assert remove_stale_temp(path) is True and path.read_bytes() == b"the real checkpoint"
