"""reply outbox and sent parts of notifications

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 06:50:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types


revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'reply_outbox',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('channel', sa.String(length=32), nullable=False),
        sa.Column('update_id', sa.BigInteger(), nullable=False),
        sa.Column('chat_id', sa.BigInteger(), nullable=False),
        sa.Column('payload', sa.JSON(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', storage.types.UTCDateTime(), nullable=False),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('created_at', storage.types.UTCDateTime(), nullable=False),
        sa.Column('parts_done', sa.Integer(), server_default='0', nullable=False),
        sa.Column('unsure_part', sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reply_outbox')),
        sa.UniqueConstraint('channel', 'update_id', name=op.f('uq_reply_outbox_channel')),
    )
    with op.batch_alter_table('reply_outbox', schema=None) as batch_op:
        batch_op.create_index('ix_reply_outbox_due', ['status', 'next_attempt_at'], unique=False)
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('parts_done', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('unsure_part', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('unsure_part')
        batch_op.drop_column('parts_done')
    with op.batch_alter_table('reply_outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_reply_outbox_due')
    op.drop_table('reply_outbox')
