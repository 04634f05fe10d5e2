"""operations: staff two-factor, the agents' refund limit, the staff audit log (append-only), the
job runner's state, uploaded import files, integration API keys and webhooks, and the provider's own ids on contacts and services

Revision ID: 0004_operations
Revises: 0003_money
"""

from alembic import op
import sqlalchemy as sa

import portal_app.models.base


revision = "0004_operations"
down_revision = "0003_money"
branch_labels = None
depends_on = None

APPEND_ONLY_MESSAGE = "staff_audit_entry is append-only"


def upgrade() -> None:
    with op.batch_alter_table("staff_user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("totp_secret", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("totp_enabled_at", portal_app.models.base.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table("provider_settings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("agent_refund_limit_cents", sa.Integer(), nullable=False, server_default="10000"))
    for table in ("contact", "account_service"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("external_id", sa.String(length=64), nullable=False, server_default=""))
            batch_op.create_index(batch_op.f(f"ix_{table}_external_id"), ["external_id"], unique=False)
    op.create_table(
        "staff_audit_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", portal_app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("staff_user_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=120), nullable=False),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("target", sa.String(length=120), nullable=False),
        sa.Column("detail", sa.String(length=1000), nullable=False),
        sa.Column("client_ip", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("staff_audit_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_audit_entry_occurred_at"), ["occurred_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_staff_audit_entry_staff_user_id"), ["staff_user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_staff_audit_entry_action"), ["action"], unique=False)
    op.create_table(
        "job_state",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("lease_holder", sa.String(length=120), nullable=False),
        sa.Column("lease_until", portal_app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_started_at", portal_app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_finished_at", portal_app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_outcome", sa.String(length=12), nullable=False),
        sa.Column("last_summary", sa.String(length=1000), nullable=False),
        sa.Column("failures_in_row", sa.Integer(), nullable=False),
        sa.Column("next_run_at", portal_app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "import_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", portal_app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("files_json", sa.Text(), nullable=False),
        sa.Column("file_names", sa.String(length=500), nullable=False),
        sa.Column("applied_at", portal_app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["staff_user_id"], ["staff_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("import_batch", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_import_batch_staff_user_id"), ["staff_user_id"], unique=False)
    op.create_table(
        "api_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("scope", sa.String(length=8), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", portal_app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", portal_app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", portal_app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key_hash"),
    )
    with op.batch_alter_table("api_key", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_key_prefix"), ["prefix"], unique=False)
    op.create_table(
        "webhook_endpoint",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("secret_sealed", sa.String(length=500), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", portal_app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "webhook_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("endpoint_id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=40), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("created_at", portal_app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", portal_app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", portal_app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("dead", sa.Boolean(), nullable=False),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(["endpoint_id"], ["webhook_endpoint.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("webhook_delivery", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_webhook_delivery_endpoint_id"), ["endpoint_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_webhook_delivery_next_attempt_at"), ["next_attempt_at"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"""
            CREATE FUNCTION staff_audit_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION '{APPEND_ONLY_MESSAGE}';
            END;
            $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            "CREATE TRIGGER staff_audit_no_change BEFORE UPDATE OR DELETE ON staff_audit_entry "
            "FOR EACH ROW EXECUTE FUNCTION staff_audit_append_only()"
        )
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER staff_audit_no_{verb.lower()} BEFORE {verb} ON staff_audit_entry "
                f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS staff_audit_no_change ON staff_audit_entry")
        op.execute("DROP FUNCTION IF EXISTS staff_audit_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS staff_audit_no_update")
        op.execute("DROP TRIGGER IF EXISTS staff_audit_no_delete")
    for table in ("account_service", "contact"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_external_id"))
            batch_op.drop_column("external_id")
    op.drop_table("webhook_delivery")
    op.drop_table("webhook_endpoint")
    op.drop_table("api_key")
    op.drop_table("import_batch")
    op.drop_table("job_state")
    op.drop_table("staff_audit_entry")
    with op.batch_alter_table("provider_settings", schema=None) as batch_op:
        batch_op.drop_column("agent_refund_limit_cents")
    with op.batch_alter_table("staff_user", schema=None) as batch_op:
        batch_op.drop_column("totp_enabled_at")
        batch_op.drop_column("totp_secret")
