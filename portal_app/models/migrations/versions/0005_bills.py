"""bills: invoice lines know their kind and service, invoices how they went out, package-change
orders what they change, at which prices, from which day, and the invoice that prorated them

Revision ID: 0005_bills
Revises: 0004_operations
"""

from alembic import op
import sqlalchemy as sa


revision = "0005_bills"
down_revision = "0004_operations"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("invoice_line", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=12), nullable=False, server_default="service"))
        batch_op.add_column(sa.Column("account_service_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_invoice_line_account_service_id"), ["account_service_id"], unique=False)
        batch_op.create_foreign_key("fk_invoice_line_account_service_id", "account_service",
                                    ["account_service_id"], ["id"])
    with op.batch_alter_table("invoice", schema=None) as batch_op:
        batch_op.add_column(sa.Column("delivery", sa.String(length=8), nullable=False, server_default="email"))
    with op.batch_alter_table("cart_order", schema=None) as batch_op:
        batch_op.add_column(sa.Column("account_service_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("previous_price_cents", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("new_price_cents", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("effective_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("prorated_invoice_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_cart_order_account_service_id", "account_service",
                                    ["account_service_id"], ["id"])
        batch_op.create_foreign_key("fk_cart_order_prorated_invoice_id", "invoice", ["prorated_invoice_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("cart_order", schema=None) as batch_op:
        batch_op.drop_constraint("fk_cart_order_prorated_invoice_id", type_="foreignkey")
        batch_op.drop_constraint("fk_cart_order_account_service_id", type_="foreignkey")
        for column in ("prorated_invoice_id", "effective_on", "new_price_cents", "previous_price_cents",
                       "account_service_id"):
            batch_op.drop_column(column)
    with op.batch_alter_table("invoice", schema=None) as batch_op:
        batch_op.drop_column("delivery")
    with op.batch_alter_table("invoice_line", schema=None) as batch_op:
        batch_op.drop_constraint("fk_invoice_line_account_service_id", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_invoice_line_account_service_id"))
        batch_op.drop_column("account_service_id")
        batch_op.drop_column("kind")
