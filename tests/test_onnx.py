"""ONNX sessions: a real model loads and runs; missing or corrupt files give a clear error."""

from pathlib import Path

import numpy as np
import pytest

from assistant.lab.quality import model_path
from assistant.onnx import OnnxError, cpu_session


def test_a_real_model_loads_and_runs() -> None:
    session = cpu_session(model_path(), threads=1, what="the DNSMOS model")
    name = session.get_inputs()[0].name
    scores = session.run(None, {name: np.zeros((1, 144160), dtype=np.float32)})[0]
    assert scores.shape == (1, 3) and np.isfinite(scores).all()


def test_corrupt_and_missing_files_name_the_model(tmp_path: Path) -> None:
    corrupt = tmp_path / "model.onnx"
    corrupt.write_bytes(b"\x00not an onnx graph" * 64)
    with pytest.raises(OnnxError, match=r"cannot load the test model .*model\.onnx"):
        cpu_session(corrupt, threads=1, what="the test model")
    with pytest.raises(OnnxError, match="cannot load the test model"):
        cpu_session(tmp_path / "missing.onnx", threads=1, what="the test model")
