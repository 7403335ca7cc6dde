"""messages.source: how the user said it ("text" or "voice")

Revision ID: 0004_message_source
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_message_source"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("source", sa.String(length=10), nullable=True))
    # Every user message so far was typed; replies have no source.
    op.execute(sa.text("UPDATE messages SET source = 'text' WHERE role = 'user'"))


def downgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("source")
