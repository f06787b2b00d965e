"""The answer-quality set: its file, the judge, and a run through a reply engine."""

import subprocess
import sys
from pathlib import Path

import pytest

from assistant.lab import answers
from assistant.lab.answers import Question, judge
from assistant.reply.catalogue import model_file
from assistant.reply.engine import EchoLLM

REPO = Path(__file__).resolve().parents[2]


def test_the_set_has_forty_everyday_questions_of_each_kind() -> None:
    questions = answers.load()
    assert len(questions) >= 40
    kinds = {q.kind for q in questions}
    assert {"capital", "arithmetic", "conversion", "fact", "advice"} <= kinds
    assert len({q.text for q in questions}) == len(questions)  # no repeats
    assert all(q.accepted and all(q.accepted) for q in questions)


def q(accepted: str, kind: str = "fact") -> Question:
    return Question("?", tuple(accepted.split("|")), kind)


@pytest.mark.parametrize(
    ("accepted", "answer", "verdict"),
    [
        ("8", "A spider has eight legs.", "right"),
        ("8", "A spider has 8 legs.", "right"),
        ("8", "A spider has 80 legs.", "wrong"),
        ("8", "A spider has 12.8 legs.", "wrong"),
        ("7", "There are seventeen continents.", "wrong"),
        ("7", "There are seven hundred continents.", "wrong"),
        ("0", "The freezing point of water is -18.09 degrees.", "wrong"),
        ("0", "Water freezes at 0 degrees Celsius.", "right"),
        ("0", "Water freezes at zero degrees.", "right"),
        ("1024", "2 to the power of 10 is 1,024.", "right"),
        ("-4|minus 4", "9 minus 13 is -4.", "right"),
        ("-4|minus 4", "It is minus four.", "right"),
        ("-4|minus 4", "9 minus 13 is 4.", "wrong"),
        ("8.05|8", "5 miles is 8.05 kilometers.", "right"),
        ("Paris", "The capital of France is Paris.", "right"),
        ("Paris", "It is Parisville.", "wrong"),
        ("hydrat*|shade", "Stay hydrated and rest.", "right"),
        ("carbon dioxide", "Plants take in carbon dioxide.", "right"),
        ("Canberra", "I'm not sure, but it may be Sydney.", "unsure"),
        ("Canberra", "I don't know.", "unsure"),
        ("Canberra", "If you're unsure, Sydney is the capital.", "wrong"),
        ("Canberra", "I'm not sure, but I think it is Canberra.", "right"),
    ],
)
def test_the_judge(accepted: str, answer: str, verdict: str) -> None:
    assert judge(q(accepted), answer) == verdict


def test_a_run_through_the_engine_scores_skills_and_the_model(tmp_path: Path) -> None:
    questions = [
        Question("What is 12 times 7?", ("84",), "arithmetic"),  # the calculator answers
        Question("What is the capital of France?", ("Paris",), "capital"),
        Question("How many legs does a spider have?", ("8",), "fact"),
    ]
    engine = answers.make_engine(EchoLLM("Paris is the answer, I'm not sure."))
    seen: list[answers.Result] = []
    report = answers.ask_all(engine, questions, seen.append)
    assert (
        [r.verdict for r in report.results]
        == ["right", "right", "unsure"]
        == [r.verdict for r in seen]
    )
    assert report.results[0].skill == "calculate" and report.results[1].skill is None
    summary = report.summary()
    assert summary["accuracy"] == pytest.approx(2 / 3, abs=1e-3)
    assert summary["by_kind"] == {"arithmetic": 1.0, "capital": 1.0, "fact": 0.0}
    assert summary["by_skill"] == 1
    assert "echo" in answers.table([report])
    only_model = answers.ask_all(answers.make_engine(EchoLLM("no"), model_only=True), questions[:1])
    assert only_model.results[0].skill is None and only_model.accuracy == 0


def test_the_script_runs_without_a_model_and_says_why(tmp_path: Path) -> None:
    tsv = tmp_path / "set.tsv"
    tsv.write_text("question\taccepted\tkind\nWhat is 2 plus 2?\t4\tarithmetic\n")
    done = subprocess.run(
        [
            sys.executable,
            str(REPO / "scripts" / "evaluate_answers"),
            "--model",
            str(tmp_path / "missing.gguf"),
            "--questions",
            str(tsv),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1 and "no GGUF model file" in done.stderr


def test_all_installed_means_the_embedded_and_every_fetched_model() -> None:
    assert answers.model_names(None) == ["embedded"]
    assert answers.model_names(["all-installed"]) == ["embedded"]
    model_file("qwen2.5-0.5b").parent.mkdir(parents=True)
    model_file("qwen2.5-0.5b").write_bytes(b"GGUF")
    assert answers.model_names(["all-installed", "qwen2.5-0.5b", "x.gguf"]) == [
        "embedded",
        "qwen2.5-0.5b",
        "x.gguf",
    ]
