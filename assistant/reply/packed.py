"""A language model's 4-bit layers kept as 4-bit codes and run by torch's int4 kernel.

A Q4 GGUF (the embedded SmolLM2 is Q4_1) stores each linear layer's weights in blocks of 32,
each block 16 evenly spaced levels (a scale and a lowest value). transformers dequantizes them to
float32, so every token reads 4 bytes a weight where the file had half a byte: on two cores
writing is bound by those reads. Here each layer whose float weights still lie exactly on such a
grid is packed back into its codes, and the product is computed by torch's CPU int4 kernel
(bfloat16 activations, float32 accumulation). The codes are the file's own; the kernel holds
each block's step and offset in bfloat16, which moves a weight by 0.005 of a level on average
(0.05 at most, in the embedded model), and the activations entering and leaving these layers
are rounded to bfloat16. Layers not on a 4-bit grid (an 8-bit or float model, the embedded
model's 8-bit output layer) stay as they are. Measured: `tests/reply/test_packed.py`, README.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import time

import torch
from torch import nn

log = logging.getLogger(__name__)

GROUP = 32  # weights per block along the input (GGUF's Q4_0, Q4_1 and Q4_K sub-blocks)
LEVELS = 16
EXACT = 1e-3  # a weight farther than this share of its block's step (or float32's rounding)
# from its level is not on the grid
_ACTIVATIONS = torch.bfloat16  # the kernel's fast path; float32 inputs are many times slower
_INNER_K_TILES = 2  # packing layout: 2 for inputs divisible by 32 (4 needs multiples of 64)


class Packed4bitLinear(nn.Module):
    """y = x W^T (+ b) with W held as 4-bit codes, a step and an offset per block of 32."""

    def __init__(
        self, codes: torch.Tensor, step: torch.Tensor, low: torch.Tensor, bias: torch.Tensor | None
    ) -> None:
        """codes (N, K) integers 0–15, step and low (N, K / GROUP): W = low + step · code."""
        super().__init__()
        self.out_features, self.in_features = codes.shape
        packed = torch.ops.aten._convert_weight_to_int4pack_for_cpu(
            codes.to(torch.int32).contiguous(), _INNER_K_TILES
        )
        # the kernel computes (code - 8) · scale + zero
        zero = low + (LEVELS // 2) * step
        scales = torch.stack([step.t(), zero.t()], dim=-1)  # (K / GROUP, N, 2)
        self.register_buffer("packed", packed)
        self.register_buffer("scales", scales.to(_ACTIVATIONS).contiguous())
        self.bias = (
            None if bias is None else nn.Parameter(bias.detach().clone(), requires_grad=False)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (..., K) → (..., N)
        flat = x.reshape(-1, self.in_features).to(_ACTIVATIONS)  # (M, K)
        y = torch.ops.aten._weight_int4pack_mm_for_cpu(flat, self.packed, GROUP, self.scales)
        y = y.to(x.dtype).reshape(*x.shape[:-1], self.out_features)
        return y if self.bias is None else y + self.bias

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, 4-bit"


def grid(weight: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor] | None:
    """(codes, step, low) if every block of GROUP weights of (N, K) `weight` is `low + step ·
    code` with codes 0–15 (a Q4 file's layer), else None."""
    rows, cols = weight.shape
    if cols % GROUP or rows % 16:  # the kernel's packing needs whole blocks and 16 rows at a time
        return None
    if rows > 64 and grid(weight[:64]) is None:  # a large float layer is told at a glance
        return None
    blocks = weight.detach().float().reshape(rows, cols // GROUP, GROUP)
    low = blocks.amin(-1)
    # most Q4 files use all 16 levels in every block; otherwise the smallest gap is one level
    found = _levels(blocks, (blocks.amax(-1) - low) / (LEVELS - 1), low)
    if found is None:
        found = _levels(blocks, _smallest_gap(blocks), low)
    if found is None:
        return None
    codes, step, low = found
    return codes.to(torch.uint8).reshape(rows, cols), step, low


def _smallest_gap(blocks: torch.Tensor) -> torch.Tensor:
    """(N, K / GROUP) the smallest difference between two distinct values of each block."""
    ordered = blocks.sort(-1).values
    gaps = ordered[..., 1:] - ordered[..., :-1]
    distinct = gaps > (ordered[..., -1] - ordered[..., 0])[..., None] * 1e-4  # not one level
    return torch.where(distinct, gaps, torch.full_like(gaps, torch.inf)).amin(-1)


def _levels(
    blocks: torch.Tensor, step: torch.Tensor, low: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor] | None:
    """(codes, step, low) if `blocks` (N, K / GROUP, GROUP) lie on `low + step · code` with
    codes 0–15, step and low refitted to the codes; else None."""
    step = torch.where(torch.isfinite(step) & (step > 0), step, torch.ones_like(step))
    codes = ((blocks - low[..., None]) / step[..., None]).round()
    if codes.amax().item() >= LEVELS:
        return None
    step, low = _fit(codes, blocks, step, low)  # the levels' own spacing, not one noisy gap
    off = (low[..., None] + step[..., None] * codes - blocks).abs()  # (N, K / GROUP, GROUP)
    rounding = 4 * torch.finfo(torch.float32).eps * blocks.abs().amax(-1)  # of float32 itself
    allowed = torch.maximum(EXACT * step, rounding)  # (N, K / GROUP)
    if bool((off.amax(-1) > allowed).any()):
        return None
    return codes, step, low


def _fit(
    codes: torch.Tensor, blocks: torch.Tensor, step: torch.Tensor, low: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Least-squares step and lowest level of each block for its codes (N, K / GROUP, GROUP)."""
    centred = codes - codes.mean(-1, keepdim=True)
    spread = (centred * centred).sum(-1)
    fitted = (centred * blocks).sum(-1) / spread.clamp(min=1.0)
    step = torch.where(spread > 0, fitted, step)
    return step, blocks.mean(-1) - step * codes.mean(-1)


def available() -> bool:
    """torch has the CPU int4 kernel, and it computes a small product right."""
    if not hasattr(torch.ops.aten, "_weight_int4pack_mm_for_cpu"):
        return False
    generator = torch.Generator().manual_seed(0)
    codes = torch.randint(0, LEVELS, (32, 2 * GROUP), generator=generator)
    step = torch.full((32, 2), 0.01)
    low = torch.full((32, 2), -0.08)
    weight = (low.repeat_interleave(GROUP, 1) + step.repeat_interleave(GROUP, 1) * codes).float()
    x = torch.randn(3, 2 * GROUP, generator=generator)
    try:
        with torch.inference_mode():
            got = Packed4bitLinear(codes, step, low, None)(x)
    except RuntimeError as e:
        log.info("the int4 kernel is not usable here: %s", e)
        return False
    want = x @ weight.t()
    return bool(torch.allclose(got, want, rtol=0.02, atol=0.02))


def pack_linears(model: nn.Module) -> int:
    """Replace each linear layer of `model` whose weights lie on a 4-bit grid by a packed one;
    how many were replaced (0 if the kernel is not available)."""
    if not available():
        log.info("torch's int4 kernel is not available: the model keeps float weights")
        return 0
    started, packed = time.perf_counter(), 0
    for parent in list(model.modules()):
        for name, child in list(parent.named_children()):
            if type(child) is not nn.Linear:
                continue
            found = grid(child.weight)
            if found is None:
                continue
            try:
                layer = Packed4bitLinear(*found, child.bias)
            except RuntimeError as e:  # a shape the kernel's packing refuses
                log.info("%s stays float: %s", name, e)
                continue
            setattr(parent, name, layer)
            packed += 1
    if packed:
        _own_copies(model)
        _return_freed_memory()
    log.info("packed %d linear layers as 4-bit in %.1f s", packed, time.perf_counter() - started)
    return packed


def _own_copies(model: nn.Module) -> None:
    """Give the float tensors left a memory of their own: loaded weights may be views of the
    memory-mapped file, which would stay mapped (and its pages, read once for packing, counted
    as the process's) for as long as one of them lives."""
    seen: set[int] = set()  # a tied weight (input and output embedding) is copied once
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, Packed4bitLinear):
                continue  # made here
            for tensor in [*module.parameters(recurse=False), *module.buffers(recurse=False)]:
                if id(tensor) not in seen:
                    seen.add(id(tensor))
                    tensor.data = tensor.data.clone()


def _return_freed_memory() -> None:
    """Ask glibc to hand back to the system what packing freed (its scratch would otherwise stay
    in the process's heap: 850 → 580 MB resident for the embedded model); elsewhere a no-op."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)
