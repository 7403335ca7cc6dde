"""custom avatars

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import avatarium.db.types

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "custom_avatars",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("style", sa.String(length=40), nullable=False),
        sa.Column("gender", sa.String(length=40), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("default_voice_id", sa.String(length=128), nullable=False),
        sa.Column("default_persona_id", sa.String(length=64), nullable=True),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("model_size", sa.Integer(), nullable=False),
        sa.Column("model_sha256", sa.String(length=64), nullable=False),
        sa.Column("thumbnail_size", sa.Integer(), nullable=False),
        sa.Column("thumbnail_sha256", sa.String(length=64), nullable=False),
        sa.Column("morph_targets", sa.JSON(), nullable=False),
        sa.Column("lipsync", sa.JSON(), nullable=False),
        sa.Column("created_at", avatarium.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", avatarium.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("custom_avatars", schema=None) as batch_op:
        batch_op.create_index("ix_custom_avatars_user_created", ["user_id", "created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("custom_avatars", schema=None) as batch_op:
        batch_op.drop_index("ix_custom_avatars_user_created")
    op.drop_table("custom_avatars")
