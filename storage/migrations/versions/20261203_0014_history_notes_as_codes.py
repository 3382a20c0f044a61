"""history notes as codes

Claim history notes the bot wrote as English sentences ("withdrawn by the buyer",
"partial refund 5.00", "not_as_claimed: <the seller's words>", "ups 1Z…") become
codes with parameters (`bot.domain.history.coded`), so each reader sees them in their
own language.  Notes nobody has a code for (what a person typed) stay as they are,
shown as typed.  Downgrade writes the sentences back, which older code reads.

No schema change: only `claim_events.note` values, read and written in batches.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 07:10:00.000000
"""
from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

from bot.domain.history import Note, coded, read_note, sentence_of

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 1000
events = sa.table(
    'claim_events',
    sa.column('id', sa.Integer),
    sa.column('to_status', sa.String),
    sa.column('note', sa.Text),
)


def _rewrite(change: Callable[[str, str], str | None]) -> None:
    """Apply `change(note, to_status)` to every note; None leaves a note as it is."""
    bind = op.get_bind()
    last = 0
    while True:
        rows = bind.execute(
            sa.select(events.c.id, events.c.to_status, events.c.note)
            .where(events.c.id > last, events.c.note.is_not(None))
            .order_by(events.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        for row_id, to_status, note in rows:
            new = change(note, to_status)
            if new is not None and new != note:
                bind.execute(events.update().where(events.c.id == row_id).values(note=new))
        last = rows[-1][0]


def _to_code(note: str, to_status: str) -> str | None:
    if note.startswith('{"code":'):
        return None  # already a code
    read = read_note(note, to_status)
    if read is None or read.code is None:
        return None  # a person's words: kept as typed
    return coded(read.code, **read.params)


def _to_sentence(note: str, to_status: str) -> str | None:
    if not note.startswith('{"code":'):
        return None
    read: Note | None = read_note(note, to_status)
    return sentence_of(read) if read is not None and read.code is not None else None


def upgrade() -> None:
    _rewrite(_to_code)


def downgrade() -> None:
    _rewrite(_to_sentence)
