"""claim photo views

Which chats were sent a claim's photos (its card, or the new request's album): a
seller's claim card sends them once per chat and then offers a "Show photos" button.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 17:05:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types


revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('claim_photo_views',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('claim_id', sa.Integer(), nullable=False),
    sa.Column('chat_id', sa.BigInteger(), nullable=False),
    sa.Column('shown_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['claim_id'], ['claims.id'], name=op.f('fk_claim_photo_views_claim_id_claims'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_claim_photo_views')),
    sa.UniqueConstraint('claim_id', 'chat_id', name=op.f('uq_claim_photo_views_claim_id'))
    )


def downgrade() -> None:
    op.drop_table('claim_photo_views')
