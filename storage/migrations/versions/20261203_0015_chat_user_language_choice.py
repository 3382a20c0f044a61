"""chat user language choice

`chat_users.language_chosen`: the person picked their language with /language, so
Telegram's `language_code` no longer overwrites `chat_users.language`.

Revision ID: 0015
Revises: 0013 (re-pointed to 0014 when merged after it)
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
    with op.batch_alter_table('chat_users') as batch_op:
        batch_op.add_column(
            sa.Column('language_chosen', sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table('chat_users') as batch_op:
        batch_op.drop_column('language_chosen')
