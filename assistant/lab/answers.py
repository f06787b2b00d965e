"""The answer-quality set: everyday questions asked of a reply engine, each answer judged right,
unsure ("I'm not sure") or wrong, with accuracy per kind and the model's speed."""

from __future__ import annotations

import re
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from assistant.reply import catalogue
from assistant.reply.engine import ChatModel, ReplyEngine
from assistant.reply.history import History
from assistant.reply.numberwords import words_to_digits
from assistant.reply.skills import SkillResult, Skills

DATA = Path(__file__).resolve().parent / "data" / "answers.tsv"
CLOCK = datetime(2025, 3, 4, 15, 7)  # a Tuesday afternoon: every run sees the same day
Verdict = Literal["right", "unsure", "wrong"]

_UNSURE = re.compile(  # the assistant itself says it does not know ("if you're unsure" is not it)
    r"\bi(?:'m| am) (?:not (?:sure|certain)|unsure)\b|\bi (?:don't|do not) know\b|\bno idea\b|"
    r"\bi can(?:'t|not) (?:say|tell)\b|\bhard to say\b"
)
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:/\d+)?$")


@dataclass(frozen=True)
class Question:
    text: str
    accepted: tuple[str, ...]  # alternatives; a number matches numerically, words as words
    kind: str


@dataclass(frozen=True)
class Result:
    question: Question
    answer: str
    verdict: Verdict
    seconds: float  # from asking to the whole answer
    skill: str | None  # the skill that answered; None for the model
    new_tokens: int = 0  # written by the model (0 for a skill)
    writing_s: float = 0.0  # the model's time writing them, after reading the prompt


@dataclass
class Report:
    """All results of one run and their summary."""

    model: str
    results: list[Result] = field(default_factory=list)

    def share(self, verdict: Verdict, kind: str | None = None) -> float:
        chosen = [r for r in self.results if kind is None or r.question.kind == kind]
        return sum(r.verdict == verdict for r in chosen) / max(len(chosen), 1)

    @property
    def accuracy(self) -> float:
        return self.share("right")

    @property
    def tokens_per_s(self) -> float:
        """The model's writing speed over all its answers (skills not counted)."""
        tokens = sum(r.new_tokens for r in self.results)
        seconds = sum(r.writing_s for r in self.results)
        return tokens / seconds if seconds > 0 else 0.0

    def kinds(self) -> list[str]:
        return list(dict.fromkeys(r.question.kind for r in self.results))

    def summary(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "questions": len(self.results),
            "accuracy": round(self.accuracy, 3),
            "unsure": round(self.share("unsure"), 3),
            "wrong": round(self.share("wrong"), 3),
            "by_kind": {k: round(self.share("right", k), 3) for k in self.kinds()},
            "tokens_per_s": round(self.tokens_per_s, 1),
            "mean_answer_s": round(
                sum(r.seconds for r in self.results) / max(len(self.results), 1), 2
            ),
            "by_skill": sum(r.skill is not None for r in self.results),
        }


def load(path: Path = DATA) -> list[Question]:
    """The questions of a TSV file: question, accepted answers split by |, kind; # comments."""
    questions = []
    lines = [x for x in path.read_text(encoding="utf-8").splitlines() if x and x[0] != "#"]
    for line in lines[1:]:  # the first is the header
        text, accepted, kind = line.split("\t")
        questions.append(Question(text, tuple(a.strip() for a in accepted.split("|")), kind))
    return questions


def judge(question: Question, answer: str) -> Verdict:
    """Right if the answer holds an accepted answer; else unsure if it says it doesn't know."""
    said = words_to_digits(answer)
    numbers = _numbers(said)
    for accepted in question.accepted:
        if _NUMBER.match(accepted.replace(",", "")):
            if round(_value(accepted.replace(",", "")), 6) in numbers:
                return "right"
        elif _words_match(accepted, said):
            return "right"
    return "unsure" if _UNSURE.search(answer.lower().replace("’", "'")) else "wrong"


def _value(text: str) -> float:
    """ "3", "-4", "8.05" or "1/3" as a number."""
    top, _, bottom = text.partition("/")
    return float(top) / float(bottom or 1)


def _numbers(said: str) -> set[float]:
    """The numbers in words_to_digits' output; "- 4" after a non-number is -4."""
    tokens = said.split()
    found = set()
    for i, token in enumerate(tokens):
        if not _NUMBER.match(token):
            continue
        value = _value(token)
        before = tokens[i - 1] if i else ""
        if before == "-" and (i < 2 or not _NUMBER.match(tokens[i - 2])):
            value = -value
        found.add(round(value, 6))
    return found


def _words_match(accepted: str, said: str) -> bool:
    words = words_to_digits(accepted.rstrip("*"))
    end = r"\w*" if accepted.endswith("*") else r"\b"
    return re.search(rf"\b{re.escape(words)}{end}", said) is not None


class NoSkills(Skills):
    """Skills that never answer: every question goes to the model."""

    def match(self, text: str) -> SkillResult | None:
        return None


def model_names(requested: Sequence[str] | None) -> list[str]:
    """The models to score, each once: "all-installed" stands for the embedded one and every
    installed catalogue model (`assistant models fetch KEY`)."""
    names: list[str] = []
    for name in requested or ["embedded"]:
        expanded = ["embedded", *catalogue.installed()] if name == "all-installed" else [name]
        names += [n for n in expanded if n not in names]
    return names


def make_engine(
    llm: ChatModel, model_only: bool = False, clock: Callable[[], datetime] = lambda: CLOCK
) -> ReplyEngine:
    """An engine that remembers nothing between questions (each is asked afresh)."""
    skills = NoSkills(clock=clock) if model_only else Skills(clock=clock)
    history = History(max_turns=0, directory=Path(tempfile.mkdtemp(prefix="answers-")))
    return ReplyEngine(skills, llm, history)


def ask_all(
    engine: ReplyEngine,
    questions: Sequence[Question],
    on_result: Callable[[Result], None] | None = None,
) -> Report:
    """Ask every question in turn and judge the answers."""
    report = Report(engine.llm.name)
    for question in questions:
        result = ask(engine, question)
        report.results.append(result)
        if on_result is not None:
            on_result(result)
    return report


def ask(engine: ReplyEngine, question: Question) -> Result:
    started = time.perf_counter()
    reply = engine.reply(question.text)
    answer = reply.text().strip()
    seconds = time.perf_counter() - started
    stats = getattr(engine.llm, "last_stats", None) if reply.skill is None else None
    tokens = stats.new_tokens if stats else 0
    writing = (stats.total_s - stats.prefill_s) if stats else 0.0
    verdict = judge(question, answer)
    return Result(question, answer, verdict, seconds, reply.skill, tokens, writing)


def table(reports: Iterable[Report]) -> str:
    """A plain-text table of the reports' summaries, one row per report."""
    rows = ["model | accuracy | unsure | wrong | tokens/s | s/answer | by skill | by kind"]
    for report in reports:
        s = report.summary()
        kinds = ", ".join(f"{k} {v:.0%}" for k, v in s["by_kind"].items())
        rows.append(
            f"{s['model']} | {s['accuracy']:.1%} | {s['unsure']:.1%} | {s['wrong']:.1%} | "
            f"{s['tokens_per_s']:.1f} | {s['mean_answer_s']:.2f} | {s['by_skill']} | {kinds}"
        )
    return "\n".join(rows)


def to_json(report: Report) -> dict[str, Any]:
    return {
        "summary": report.summary(),
        "answers": [
            {
                "question": r.question.text,
                "kind": r.question.kind,
                "answer": r.answer,
                "verdict": r.verdict,
                "skill": r.skill,
                "seconds": round(r.seconds, 2),
                "new_tokens": r.new_tokens,
            }
            for r in report.results
        ],
    }


def set_threads(threads: int) -> None:
    import torch

    torch.set_num_threads(threads)
