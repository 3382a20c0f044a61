"""marketplace connections and fields

A shop's authorisation on a marketplace (TikTok Shop) and what its orders and claims
carry from there: the delivery postcode and a "contact masked" flag on orders (a
marketplace buyer proves an order with its postcode), and on claims and cancellation
requests the marketplace's id, status and deadline.  A marketplace claim may have no
chat buyer yet, so buyer_id becomes nullable.

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-02 23:04:34.759828
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types


revision: str = '0012'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('marketplace_connections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('marketplace', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('auth_state', sa.String(length=64), nullable=True),
    sa.Column('external_shop_id', sa.String(length=64), nullable=True),
    sa.Column('shop_cipher', sa.String(length=256), nullable=True),
    sa.Column('access_token', sa.Text(), nullable=True),
    sa.Column('access_expires_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('refresh_token', sa.Text(), nullable=True),
    sa.Column('refresh_expires_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('synced_until', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_marketplace_connections_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_marketplace_connections')),
    sa.UniqueConstraint('auth_state', name=op.f('uq_marketplace_connections_auth_state')),
    sa.UniqueConstraint('marketplace', 'external_shop_id', name=op.f('uq_marketplace_connections_marketplace')),
    sa.UniqueConstraint('shop_id', 'marketplace', name=op.f('uq_marketplace_connections_shop_id'))
    )
    with op.batch_alter_table('cancel_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('marketplace', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('external_id', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('external_deadline', storage.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.alter_column('buyer_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.create_unique_constraint(batch_op.f('uq_cancel_requests_marketplace'), ['marketplace', 'external_id'])

    with op.batch_alter_table('claims', schema=None) as batch_op:
        batch_op.add_column(sa.Column('marketplace', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('external_id', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('external_status', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('external_deadline', storage.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.alter_column('buyer_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.create_unique_constraint(batch_op.f('uq_claims_marketplace'), ['marketplace', 'external_id'])

    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('postal_code', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('contact_masked', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('marketplace', sa.String(length=16), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_column('marketplace')
        batch_op.drop_column('contact_masked')
        batch_op.drop_column('postal_code')

    with op.batch_alter_table('claims', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_claims_marketplace'), type_='unique')
        batch_op.alter_column('buyer_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('external_deadline')
        batch_op.drop_column('external_status')
        batch_op.drop_column('external_id')
        batch_op.drop_column('marketplace')

    with op.batch_alter_table('cancel_requests', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_cancel_requests_marketplace'), type_='unique')
        batch_op.alter_column('buyer_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('external_deadline')
        batch_op.drop_column('external_id')
        batch_op.drop_column('marketplace')

    op.drop_table('marketplace_connections')
