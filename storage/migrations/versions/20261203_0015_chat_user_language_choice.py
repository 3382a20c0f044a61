"""chat user language choice

`chat_users.language_chosen`: the person picked their language with /language, so
Telegram's `language_code` no longer overwrites `chat_users.language`.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 07:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN, SQLite included: batch mode would copy and drop chat_users,
    # which the foreign keys of every table pointing at it refuse once rows exist.
    op.add_column(
        'chat_users',
        sa.Column('language_chosen', sa.Boolean(), server_default=sa.false(), nullable=False),
    )


def downgrade() -> None:
    # SQLite drops the column in place (3.35+): batch mode would copy and drop
    # chat_users, which the foreign keys of every table pointing at it refuse.
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE chat_users DROP COLUMN language_chosen')
    else:
        op.drop_column('chat_users', 'language_chosen')
