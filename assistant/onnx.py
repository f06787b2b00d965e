"""ONNX models on the CPU (the only onnx and onnxruntime imports): Silero VAD, DNSMOS, the Piper
joe voice, and HiFi-GAN V1 written out as a graph (`Graph`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np


class OnnxError(RuntimeError):
    """onnxruntime is missing, or a model file cannot be loaded; the message says which."""


def cpu_session(path: Path | bytes, threads: int, what: str, spin: bool = True) -> Any:
    """An onnxruntime InferenceSession for the model file `path` (or a serialised model) on
    `threads` CPU threads. `spin`: its threads wait for work by spinning (faster to wake, but
    they take the cores from other threads meanwhile).

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
    if not spin:
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    model = path if isinstance(path, bytes) else str(path)
    try:
        return onnxruntime.InferenceSession(
            model, sess_options=options, providers=["CPUExecutionProvider"]
        )
    except Exception as err:  # onnxruntime raises its own exception types
        where = "" if isinstance(path, bytes) else f" {path}"
        raise OnnxError(f"cannot load {what}{where}: {err}") from None


class Graph:
    """A float32 network written op by op as an ONNX graph: one input of shape (batch, channels,
    length) with a free batch and length, one output. Each op returns its output's name; the
    weights are copied into the graph as they come, and let go once the session has its own."""

    OPSET = 17

    def __init__(self, channels: int) -> None:
        try:
            import onnx
        except ImportError as err:
            raise OnnxError("onnx is missing; pip install onnx") from err
        self.input = "input"
        self.channels = channels
        self.model: Any = onnx.ModelProto()  # built in place: no copy of the weights but one

    def conv(
        self, x: str, weight: np.ndarray, bias: np.ndarray, dilation: int = 1, padding: int = 0
    ) -> str:
        """1-D convolution, stride 1; `weight` (out, in, kernel)."""
        return self._op(
            "Conv", x, weight, bias, dilations=[dilation], pads=[padding, padding], strides=[1]
        )

    def conv_transpose(
        self, x: str, weight: np.ndarray, bias: np.ndarray, stride: int, padding: int
    ) -> str:
        """1-D transposed convolution (upsampling by `stride`); `weight` (in, out, kernel)."""
        return self._op("ConvTranspose", x, weight, bias, strides=[stride], pads=[padding, padding])

    def leaky_relu(self, x: str, slope: float) -> str:
        return self._node("LeakyRelu", [x], alpha=slope)

    def add(self, a: str, b: str) -> str:
        return self._node("Add", [a, b])

    def divide(self, x: str, by: float) -> str:
        return self._node("Div", [x, self._constant(np.array(by, np.float32))])

    def tanh(self, x: str) -> str:
        return self._node("Tanh", [x])

    def session(self, output: str, threads: int, what: str) -> Any:
        """An onnxruntime session that runs the graph up to `output` on `threads` threads that
        sleep between calls (spinning ones would take the cores from the model writing). The
        graph is let go first, so the session's weights take the place of its copy in memory (a
        process that loads HiFi-GAN V1 and makes 3.4 s of speech: 0.56 GB resident, against 0.49
        GB with V1 in torch and 0.69 GB with the graph let go after the session was made)."""
        from onnx import TensorProto, helper

        shape: list[str | int | None] = ["batch", self.channels, "length"]
        opset = helper.make_opsetid("", self.OPSET)
        model, self.model = self.model, None  # a graph makes one session
        model.graph.name = what
        model.graph.input.append(
            helper.make_tensor_value_info(self.input, TensorProto.FLOAT, shape)
        )
        model.graph.output.append(helper.make_tensor_value_info(output, TensorProto.FLOAT, None))
        model.ir_version = helper.find_min_ir_version_for([opset])
        model.opset_import.append(opset)
        serialised = model.SerializeToString()
        del model  # its weights go before the session's come
        return cpu_session(serialised, threads, what, spin=False)

    def _op(self, op: str, x: str, weight: np.ndarray, bias: np.ndarray, **attributes: Any) -> str:
        kernel = weight.shape[-1]
        names = [x, self._constant(weight), self._constant(bias)]
        return self._node(op, names, kernel_shape=[kernel], **attributes)

    def _node(self, op: str, inputs: list[str], **attributes: Any) -> str:
        from onnx import helper

        output = f"{op.lower()}{len(self.model.graph.node)}"
        self.model.graph.node.append(helper.make_node(op, inputs, [output], **attributes))
        return output

    def _constant(self, value: np.ndarray) -> str:
        from onnx import numpy_helper

        name = f"w{len(self.model.graph.initializer)}"
        tensor = numpy_helper.from_array(np.ascontiguousarray(value, np.float32), name)
        self.model.graph.initializer.append(tensor)
        return name
