"""proactive care

`shops.tracking_updated_at`: when the shop's tracking was last brought up to date (an
import, a tracking hook, a marketplace connector); delivery care acts only on fresh
data.  `chat_users.proactive_off`: the person turned off messages the bot sends on its
own.  `order_ratings`: the stars a buyer gave an order after delivery.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 10:45:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types


revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMNs, SQLite included: batch mode would copy and drop the tables,
    # which the foreign keys pointing at them refuse once rows exist (see 0015).
    op.add_column(
        'shops',
        sa.Column('tracking_updated_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    )
    op.add_column(
        'chat_users',
        sa.Column('proactive_off', sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.create_table('order_ratings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('buyer_id', sa.Integer(), nullable=False),
    sa.Column('stars', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('stars BETWEEN 1 AND 5', name=op.f('ck_order_ratings_stars')),
    sa.ForeignKeyConstraint(['buyer_id'], ['chat_users.id'], name=op.f('fk_order_ratings_buyer_id_chat_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_order_ratings_order_id_orders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_order_ratings_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_ratings')),
    sa.UniqueConstraint('order_id', 'buyer_id', name=op.f('uq_order_ratings_order_id'))
    )
    with op.batch_alter_table('order_ratings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_order_ratings_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_order_ratings_shop_id'), ['shop_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('order_ratings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_order_ratings_shop_id'))
        batch_op.drop_index(batch_op.f('ix_order_ratings_created_at'))
    op.drop_table('order_ratings')
    # In place on SQLite (3.35+), as in 0015.
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE chat_users DROP COLUMN proactive_off')
        op.execute('ALTER TABLE shops DROP COLUMN tracking_updated_at')
    else:
        op.drop_column('chat_users', 'proactive_off')
        op.drop_column('shops', 'tracking_updated_at')
