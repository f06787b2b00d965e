"""Scoring what a recogniser heard against what was meant: word and character error rates.

Both sides are read by the voice's own text normaliser first, so "35" and "thirty-five" are the
same words and only real mistakes count.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Hashable, Sequence

from assistant.tts.normalize import normalize

_APOSTROPHES = "'’ʼ`"  # removed inside words, so "don't" and "dont" score the same


def normalize_for_scoring(text: str) -> list[str]:
    """Words of text as spoken: numbers, abbreviations and symbols read out by the voice's own
    text normaliser (Whisper writes "35" where the reference says "thirty-five"; both are the same
    words), then lowercased, apostrophes dropped, other punctuation and symbols as spaces.
    """
    kept = []
    for char in unicodedata.normalize("NFKC", normalize(text)).lower():
        if char in _APOSTROPHES:
            continue
        category = unicodedata.category(char)
        kept.append(" " if category[0] in "PSZC" else char)
    return "".join(kept).split()


def edit_distance(ref: Sequence[Hashable], hyp: Sequence[Hashable]) -> int:
    """Levenshtein distance: fewest substitutions, deletions and insertions turning ref into hyp."""
    previous = list(range(len(hyp) + 1))  # distances from ref[:0] to each prefix of hyp
    for i, ref_item in enumerate(ref, start=1):
        current = [i]
        for j, hyp_item in enumerate(hyp, start=1):
            substitute = previous[j - 1] + (ref_item != hyp_item)
            current.append(min(substitute, previous[j] + 1, current[j - 1] + 1))
        previous = current
    return previous[-1]


def _corpus_rate(refs: Sequence[Sequence[Hashable]], hyps: Sequence[Sequence[Hashable]]) -> float:
    if len(refs) != len(hyps):
        raise ValueError(f"{len(refs)} references but {len(hyps)} hypotheses")
    total = sum(len(ref) for ref in refs)
    if total == 0:
        raise ValueError("the references are empty after normalisation; nothing to score against")
    errors = sum(edit_distance(ref, hyp) for ref, hyp in zip(refs, hyps, strict=True))
    return errors / total


def wer(refs: Sequence[str], hyps: Sequence[str]) -> float:
    """Corpus word error rate: total word edit distance / total reference words (may exceed 1)."""
    return _corpus_rate(
        [normalize_for_scoring(r) for r in refs], [normalize_for_scoring(h) for h in hyps]
    )


def cer(refs: Sequence[str], hyps: Sequence[str]) -> float:
    """Corpus character error rate on normalised text (words joined by single spaces)."""
    return _corpus_rate(
        [" ".join(normalize_for_scoring(r)) for r in refs],
        [" ".join(normalize_for_scoring(h)) for h in hyps],
    )
