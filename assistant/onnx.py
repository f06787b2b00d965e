"""ONNX models on the CPU (the only onnxruntime import): Silero VAD, DNSMOS, the Piper joe voice."""

from __future__ import annotations

from pathlib import Path
from typing import Any


class OnnxError(RuntimeError):
    """onnxruntime is missing, or a model file cannot be loaded; the message says which."""


def cpu_session(path: Path, threads: int, what: str) -> Any:
    """An onnxruntime InferenceSession for `path` on `threads` CPU threads.

    `what` names the model in the error ("the Silero VAD model").
    """
    try:
        import onnxruntime
    except ImportError as err:
        raise OnnxError("onnxruntime is missing; pip install onnxruntime") from err
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3  # errors only
    try:
        return onnxruntime.InferenceSession(
            str(path), sess_options=options, providers=["CPUExecutionProvider"]
        )
    except Exception as err:  # onnxruntime raises its own exception types
        raise OnnxError(f"cannot load {what} {path}: {err}") from None
