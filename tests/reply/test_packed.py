"""4-bit layers run as 4-bit codes: exactly the file's weights, and the model's answers kept."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import torch
from torch import nn

from assistant.reply import packed, prompts
from assistant.reply.llm import TransformersLLM


def on_grid(rows: int, cols: int, seed: int = 0) -> torch.Tensor:
    """A Q4_1-like weight: per block of 32, a lowest value plus a step times a code 0–15 (codes
    drawn at random, so many blocks miss the top or bottom level)."""
    generator = torch.Generator().manual_seed(seed)
    codes = torch.randint(0, 16, (rows, cols), generator=generator).float()
    step = 1e-3 + 0.01 * torch.rand(rows, cols // 32, generator=generator)
    low = -0.1 * torch.rand(rows, cols // 32, generator=generator)
    return low.repeat_interleave(32, 1) + step.repeat_interleave(32, 1) * codes


def test_a_weight_on_a_4bit_grid_is_found_exactly() -> None:
    weight = on_grid(64, 96)
    found = packed.grid(weight)
    assert found is not None
    codes, step, low = found
    assert int(codes.max()) <= 15
    rebuilt = low.repeat_interleave(32, 1) + step.repeat_interleave(32, 1) * codes.float()
    assert torch.allclose(rebuilt, weight, rtol=0, atol=1e-6)


@pytest.mark.parametrize(
    "weight",
    [
        torch.randn(64, 96),  # a float layer
        on_grid(64, 96) + 1e-4 * torch.randn(64, 96),  # near a grid is not on it
        on_grid(24, 96),  # rows the kernel cannot pack (not a multiple of 16)
        on_grid(64, 96)[:, :80],  # inputs that are not whole blocks
    ],
    ids=["float", "near", "rows", "columns"],
)
def test_other_weights_are_left_alone(weight: torch.Tensor) -> None:
    assert packed.grid(weight) is None


def test_a_packed_layer_computes_what_the_float_one_did() -> None:
    assert packed.available()
    weight = on_grid(128, 192, seed=1)
    layer = nn.Linear(192, 128)
    with torch.no_grad():
        layer.weight.copy_(weight)
    x = torch.randn(2, 5, 192)
    want = layer(x).detach()
    model = nn.Sequential(layer, nn.Linear(128, 64))  # the second is float: it stays
    assert packed.pack_linears(model) == 1
    assert isinstance(model[0], packed.Packed4bitLinear)
    assert type(model[1]) is nn.Linear
    with torch.inference_mode():
        got = model[0](x)
    assert got.shape == want.shape and got.dtype == torch.float32
    # only the activations are rounded (bfloat16: 8 significant bits)
    assert torch.allclose(got, want, rtol=0.02, atol=0.02 * want.abs().max().item())


@pytest.fixture(scope="module")
def both() -> Iterator[tuple[TransformersLLM, TransformersLLM]]:
    """The embedded SmolLM2 (a Q4_1 file) with its 4-bit layers packed, and in float32."""
    quick, plain = TransformersLLM(packed=True), TransformersLLM(packed=False)
    quick.load()
    plain.load()
    yield quick, plain
    quick.close()
    plain.close()


@pytest.mark.slow
def test_the_embedded_model_is_packed_but_for_its_output_layer(
    both: tuple[TransformersLLM, TransformersLLM],
) -> None:
    quick, plain = both
    layers = 7 * 30  # q, k, v, o, gate, up, down in each of its 30 blocks
    assert quick.packed_layers == layers and plain.packed_layers == 0
    model = quick._model
    assert model is not None
    kinds = [type(m) for m in model.modules()]
    assert kinds.count(packed.Packed4bitLinear) == layers
    assert type(model.get_output_embeddings()) is nn.Linear  # 8-bit in the file: left float


@pytest.mark.slow
def test_the_packed_model_predicts_what_the_float_one_does(
    both: tuple[TransformersLLM, TransformersLLM],
) -> None:
    """Each next token along the float model's own answers: the same choice almost always,
    and nearly the same probabilities."""
    quick, plain = both
    tokenizer = plain._tokenizer
    assert tokenizer is not None and quick._model is not None and plain._model is not None
    agree, distance = [], []
    for question in ("What is the capital of France?", "Why is the sky blue?"):
        messages = prompts.build_messages(prompts.system_prompt(), [], question)
        answer = "".join(plain.stream(messages))
        text = prompts.format_chat(tokenizer, messages) + answer
        ids = tokenizer(text, return_tensors="pt", add_special_tokens=False)["input_ids"]
        with torch.inference_mode():
            p = quick._model(input_ids=ids).logits[0].softmax(-1)  # (T, vocabulary)
            q = plain._model(input_ids=ids).logits[0].softmax(-1)
        agree.append((p.argmax(-1) == q.argmax(-1)).float().mean().item())
        distance.append((0.5 * (p - q).abs().sum(-1)).mean().item())  # total variation
    assert min(agree) >= 0.95, agree
    assert max(distance) < 0.03, distance
    france = prompts.build_messages(prompts.system_prompt(), [], "What is the capital of France?")
    assert "Paris" in "".join(quick.stream(france))
