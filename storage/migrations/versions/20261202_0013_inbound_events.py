"""inbound events

Events applied by the signed inbound hooks (AfterShip event ids, marketplace pushes):
one row per (source, key), so a replayed event changes nothing.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 23:15:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types


revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('inbound_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=32), nullable=False),
    sa.Column('event_key', sa.String(length=128), nullable=False),
    sa.Column('received_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbound_events')),
    sa.UniqueConstraint('source', 'event_key', name=op.f('uq_inbound_events_source'))
    )
    with op.batch_alter_table('inbound_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inbound_events_received_at'), ['received_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('inbound_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inbound_events_received_at'))

    op.drop_table('inbound_events')
