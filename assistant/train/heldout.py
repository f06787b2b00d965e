"""The fixed held-out sets: evaluation sentences no voice trains on, and LJ validation clips."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

# Rule (never change it, or earlier evaluations stop being comparable): a sentence's bucket is
# sha256("assistant-heldout-v1:" + id) mod 1000.
#   evaluation sentences: ljspeech-sentences.csv rows with bucket < 10 (≈ 1 %: 132), minus any whose
#                         text is also an LJ-subset clip's text; no voice trains on them.
#   joe validation:       candidate sentences with 10 <= bucket < 20 (≈ 1 %).
#   lj validation:        LJ-subset clips with bucket < 70 (≈ 7 %: 22 of the 370).
_SALT = "assistant-heldout-v1:"
_BUCKETS = 1000
EVAL_BUCKETS = range(0, 10)
JOE_VAL_BUCKETS = range(10, 20)
LJ_VAL_BUCKETS = range(0, 70)
_ORDER_SALT = "assistant-joe-order-v1:"


@dataclass(frozen=True)
class Sentence:
    """One metadata row: `id|raw text|normalised text`."""

    id: str
    raw: str
    normalised: str


def default_shared_dir() -> Path:
    """The offline resources: $ASSISTANT_SHARED, else `shared/` next to the repository."""
    env = os.environ.get("ASSISTANT_SHARED")
    return Path(env) if env else Path(__file__).resolve().parents[3] / "shared"


def lj_subset_dir(shared: Path) -> Path:
    return shared / "data" / "ljspeech-subset"


def sentences_csv(shared: Path) -> Path:
    return shared / "data" / "text" / "ljspeech-sentences.csv"


def read_metadata(path: Path) -> list[Sentence]:
    """Parse an LJ Speech style metadata file (`id|raw|normalised`, UTF-8, no header)."""
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.split("|")
        if len(parts) != 3:
            raise ValueError(f"{path}:{number}: expected id|raw|normalised, got {line!r}")
        rows.append(Sentence(parts[0].strip(), parts[1].strip(), parts[2].strip()))
    return rows


def bucket(utt_id: str) -> int:
    """A stable pseudo-random bucket in [0, 1000) for an utterance id."""
    digest = hashlib.sha256((_SALT + utt_id).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % _BUCKETS


def order_key(utt_id: str) -> str:
    """A stable shuffle key: joe sentences are synthesised in this order."""
    return hashlib.sha256((_ORDER_SALT + utt_id).encode("utf-8")).hexdigest()


def text_key(text: str) -> str:
    """What "the same text" means: case and whitespace ignored."""
    return " ".join(text.casefold().split())


def _keys(sentences: list[Sentence]) -> set[str]:
    return {text_key(s.raw) for s in sentences} | {text_key(s.normalised) for s in sentences}


def _same_text(sentence: Sentence, keys: set[str]) -> bool:
    return text_key(sentence.raw) in keys or text_key(sentence.normalised) in keys


def is_lj_val(utt_id: str) -> bool:
    """Whether an LJ-subset clip is held out of lj training (validation and real-speech anchor)."""
    return bucket(utt_id) in LJ_VAL_BUCKETS


def evaluation_sentences(sentences: list[Sentence], lj_subset: list[Sentence]) -> list[Sentence]:
    """The fixed evaluation set: never trained on by any voice."""
    lj_ids = {s.id for s in lj_subset}
    lj_keys = _keys(lj_subset)
    return [
        s
        for s in sentences
        if bucket(s.id) in EVAL_BUCKETS and s.id not in lj_ids and not _same_text(s, lj_keys)
    ]


def joe_candidates(
    sentences: list[Sentence], lj_subset: list[Sentence]
) -> list[tuple[Sentence, str]]:
    """Sentences the joe voice may speak, in synthesis order, each with its split (train/val).

    Excluded: evaluation sentences, LJ-subset clips, and any sentence with the same text as those.
    """
    evaluation = evaluation_sentences(sentences, lj_subset)
    excluded_ids = {s.id for s in evaluation} | {s.id for s in lj_subset}
    excluded_keys = _keys(evaluation) | _keys(lj_subset)
    chosen = [
        s
        for s in sentences
        if s.id not in excluded_ids
        and bucket(s.id) not in EVAL_BUCKETS
        and not _same_text(s, excluded_keys)
    ]
    chosen.sort(key=lambda s: order_key(s.id))
    return [(s, "val" if bucket(s.id) in JOE_VAL_BUCKETS else "train") for s in chosen]


def load_evaluation_sentences(shared: Path | None = None) -> list[Sentence]:
    """The evaluation sentences read from the shared resources."""
    root = shared or default_shared_dir()
    return evaluation_sentences(
        read_metadata(sentences_csv(root)), read_metadata(lj_subset_dir(root) / "metadata.csv")
    )
