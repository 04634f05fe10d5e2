"""bills: invoice lines know their kind and service, invoices how they went out, package-change
orders what they change, at which prices, from which day, and the invoice that prorated them;
accounts their service status (suspended, restored), promises to pay, and the provider its restore
threshold and promise rules

Revision ID: 0005_bills
Revises: 0004_operations
"""

from alembic import op
import sqlalchemy as sa

import portal_app.models.base


revision = "0005_bills"
down_revision = "0004_operations"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("service_status", sa.String(length=24), nullable=False, server_default="active"))
        batch_op.add_column(sa.Column("service_status_reason", sa.String(length=200), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("service_status_changed_at", portal_app.models.base.UTCDateTime(timezone=True),
                                      nullable=True))
    with op.batch_alter_table("provider_settings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("restore_threshold_cents", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("promise_max_days", sa.Integer(), nullable=False, server_default="14"))
        batch_op.add_column(sa.Column("promise_per_year", sa.Integer(), nullable=False, server_default="2"))
        batch_op.add_column(sa.Column("promise_min_paid_cents", sa.Integer(), nullable=False, server_default="0"))
    op.create_table(
        "payment_promise",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("promised_on", sa.Date(), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("restored_service", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", portal_app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reminded_at", portal_app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", portal_app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("payment_promise", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payment_promise_account_id"), ["account_id"], unique=False)
    with op.batch_alter_table("invoice_line", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=12), nullable=False, server_default="service"))
        batch_op.add_column(sa.Column("account_service_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_invoice_line_account_service_id"), ["account_service_id"], unique=False)
        batch_op.create_foreign_key("fk_invoice_line_account_service_id", "account_service",
                                    ["account_service_id"], ["id"])
    with op.batch_alter_table("invoice", schema=None) as batch_op:
        batch_op.add_column(sa.Column("delivery", sa.String(length=8), nullable=False, server_default="email"))
    with op.batch_alter_table("cart_order", schema=None) as batch_op:
        batch_op.add_column(sa.Column("previous_price_cents", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("new_price_cents", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("effective_on", sa.Date(), nullable=True))
    # cart_order is referenced by workflows, so SQLite cannot rebuild it (as adding a constraint to a
    # table there does) once orders exist: its references come with the columns, ADD COLUMN ... REFERENCES.
    for column, target in (("account_service_id", "account_service"), ("prorated_invoice_id", "invoice")):
        if op.get_bind().dialect.name == "sqlite":
            op.execute(f"ALTER TABLE cart_order ADD COLUMN {column} INTEGER REFERENCES {target} (id)")
        else:
            op.add_column("cart_order", sa.Column(column, sa.Integer(), nullable=True))
            op.create_foreign_key(f"fk_cart_order_{column}", "cart_order", target, [column], ["id"])


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:  # rebuilding cart_order drops the table workflows point at: no checks while it is rebuilt
        op.execute("PRAGMA foreign_keys=OFF")
    with op.batch_alter_table("cart_order", schema=None) as batch_op:
        if not sqlite:  # SQLite rebuilds the table without the columns (and their references)
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
    op.drop_table("payment_promise")
    with op.batch_alter_table("provider_settings", schema=None) as batch_op:
        for column in ("promise_min_paid_cents", "promise_per_year", "promise_max_days", "restore_threshold_cents"):
            batch_op.drop_column(column)
    with op.batch_alter_table("account", schema=None) as batch_op:
        for column in ("service_status_changed_at", "service_status_reason", "service_status"):
            batch_op.drop_column(column)
    if sqlite:
        op.execute("PRAGMA foreign_keys=ON")
