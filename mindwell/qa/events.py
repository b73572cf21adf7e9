"""What follows a write to the Q&A: one list of reactions, called by every action.

Each verb in `qa.actions` ends by calling `happened(Event(...))` inside its
transaction. The reactions are listed here, in order, so that what a write sets
off can be read in one place rather than discovered in signal receivers. A
reaction that must not see uncommitted data (a cache bump, anything that leaves
the process) schedules itself with `transaction.on_commit`; one that must share
the write's fate (a notification queued in the same transaction) runs at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from mindwell.moderation import reactions as moderation_reactions
from mindwell.qa import pagecache

if TYPE_CHECKING:
    from mindwell.accounts.models import User
    from mindwell.qa.models import Post


class Kind(StrEnum):
    ASKED = "asked"
    ANSWERED = "answered"
    COMMENTED = "commented"
    EDITED = "edited"
    VOTED = "voted"
    SELECTED = "selected"  # best answer selected or unselected
    STATE_CHANGED = "state changed"  # hidden, deleted, held, restored
    MODERATED = "moderated"  # closed, reopened, comments locked, moved to another category


@dataclass(frozen=True)
class Event:
    kind: Kind
    post: Post  # the post written (for SELECTED: the question)
    actor: User | None  # None for a visitor who is not logged in


def happened(event: Event) -> None:
    """Run every reaction to `event`. Called inside the write's transaction."""
    from mindwell.notify.reactions import on_qa_event  # notify reads qa: import late

    on_qa_event(event)  # in-app notifications and queued emails, in this transaction
    pagecache.written(event)  # cached pages showing what changed are retired
    moderation_reactions.react(event)
