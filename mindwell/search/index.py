"""Keeping the search index in step with the posts; qa.actions call these in their transaction."""

from __future__ import annotations

from mindwell.search.engine import engine


def refresh_question(question_id: int) -> None:
    """Re-index one question's thread (title, body, tags, published answers and comments).

    Call inside the transaction that changed any post of the thread, so the index
    never shows what a rolled-back write said, and a hidden or deleted question
    leaves the index in the same commit that hid it.
    """
    engine().refresh(question_id)


def rebuild() -> int:
    """Re-index every published question; returns how many were indexed."""
    return engine().rebuild()
