"""Replies: built-in skills first, else a local language model, with the conversation history."""

from assistant.reply.engine import ChatModel, EchoLLM, Reply, ReplyEngine, ReplyStream
from assistant.reply.history import History, Turn
from assistant.reply.skills import Action, SkillResult, Skills

__all__ = [
    "Action",
    "ChatModel",
    "EchoLLM",
    "History",
    "Reply",
    "ReplyEngine",
    "ReplyStream",
    "SkillResult",
    "Skills",
    "Turn",
]
