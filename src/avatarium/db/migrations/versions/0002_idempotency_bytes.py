"""idempotency records keep any response: its bytes and its headers

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_TABLE = sa.table(
    "idempotency_keys",
    sa.column("account_id", sa.Uuid()),
    sa.column("key", sa.String()),
    sa.column("response_body", sa.Text()),
    sa.column("response_bytes", sa.LargeBinary()),
    sa.column("response_headers", sa.JSON()),
)
_JSON_HEADERS = [["content-type", "application/json"]]


def upgrade() -> None:
    with op.batch_alter_table("idempotency_keys") as batch:
        batch.add_column(sa.Column("response_bytes", sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column("response_headers", sa.JSON(), nullable=True))
    connection = op.get_bind()
    recorded = connection.execute(
        sa.select(_TABLE.c.account_id, _TABLE.c.key, _TABLE.c.response_body).where(_TABLE.c.response_body.is_not(None))
    ).all()
    for account_id, key, body in recorded:  # at most a day of records: every stored body so far was JSON text
        connection.execute(
            _TABLE.update()
            .where(_TABLE.c.account_id == account_id, _TABLE.c.key == key)
            .values(response_bytes=body.encode("utf-8"), response_headers=_JSON_HEADERS)
        )
    with op.batch_alter_table("idempotency_keys") as batch:
        batch.drop_column("response_body")


def downgrade() -> None:
    with op.batch_alter_table("idempotency_keys") as batch:
        batch.add_column(sa.Column("response_body", sa.Text(), nullable=True))
    op.execute("DELETE FROM idempotency_keys")  # raw-audio records cannot be represented as text
    with op.batch_alter_table("idempotency_keys") as batch:
        batch.drop_column("response_headers")
        batch.drop_column("response_bytes")
