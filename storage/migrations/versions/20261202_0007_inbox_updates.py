"""inbox of received updates (acknowledged to Telegram only once stored)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 06:40:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types


revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('inbox_updates',
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('update_id', sa.BigInteger(), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('received_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('channel', 'update_id', name=op.f('pk_inbox_updates'))
    )
    with op.batch_alter_table('inbox_updates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inbox_updates_received_at'), ['received_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('inbox_updates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inbox_updates_received_at'))

    op.drop_table('inbox_updates')
