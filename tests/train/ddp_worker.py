"""Run by torchrun in tests: train a few steps, then write this rank's parameter checksum."""

import hashlib
import sys
from pathlib import Path

import torch

from assistant.train.train import TrainConfig, train

data, out = Path(sys.argv[1]), Path(sys.argv[2])
tiny = {"d_model": 32, "n_heads": 2, "enc_layers": 1, "dec_layers": 1, "align_dim": 16}
cfg = TrainConfig(
    data=data,
    out=out,
    steps=3,
    batch=2,
    threads=1,
    crop=32,
    model=tiny,
    checkpoint_minutes=0.0,
    log_every=1,
)
model = train(cfg)
digest = hashlib.sha256()
for tensor in model.state_dict().values():
    digest.update(tensor.detach().cpu().numpy().tobytes())
rank = torch.distributed.get_rank()
(out / f"rank{rank}.sha256").write_text(digest.hexdigest())
