"""outbox mail may carry one text attachment (the appointment's .ics file)

Revision ID: 0002_selfservice
Revises: 0001
"""

from alembic import op
import sqlalchemy as sa


revision = "0002_selfservice"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_mail", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attachment_name", sa.String(length=120), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("attachment_type", sa.String(length=80), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("attachment_text", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox_mail", schema=None) as batch_op:
        batch_op.drop_column("attachment_text")
        batch_op.drop_column("attachment_type")
        batch_op.drop_column("attachment_name")
