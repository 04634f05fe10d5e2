"""money with the real Stripe: one gateway customer per account, the Checkout Session id and the
payer's next step on payments, staff flags, ACH mandates on methods, and payment adjustments
(refunds, disputes, ACH returns)

Revision ID: 0003_money
Revises: 0002_selfservice
"""

from alembic import op
import sqlalchemy as sa

import portal_app.models.base


revision = "0003_money"
down_revision = "0002_selfservice"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("gateway_customer_id", sa.String(length=120), nullable=False, server_default=""))
    with op.batch_alter_table("payment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("checkout_session_id", sa.String(length=120), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("payer_note", sa.String(length=300), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("flag", sa.String(length=20), nullable=False, server_default=""))
    with op.batch_alter_table("payment_method", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mandate_id", sa.String(length=120), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("mandate_status", sa.String(length=16), nullable=False, server_default=""))
    op.create_table(
        "payment_adjustment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("payment_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("gateway_ref", sa.String(length=120), nullable=False),
        sa.Column("idempotency_key", sa.String(length=80), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", portal_app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"]),
        sa.ForeignKeyConstraint(["payment_id"], ["payment.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idempotency_key"),
    )
    with op.batch_alter_table("payment_adjustment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payment_adjustment_payment_id"), ["payment_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_payment_adjustment_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_payment_adjustment_gateway_ref"), ["gateway_ref"], unique=False)


def downgrade() -> None:
    op.drop_table("payment_adjustment")
    with op.batch_alter_table("payment_method", schema=None) as batch_op:
        batch_op.drop_column("mandate_status")
        batch_op.drop_column("mandate_id")
    with op.batch_alter_table("payment", schema=None) as batch_op:
        batch_op.drop_column("flag")
        batch_op.drop_column("payer_note")
        batch_op.drop_column("checkout_session_id")
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.drop_column("gateway_customer_id")
