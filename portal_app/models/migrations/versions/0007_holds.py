"""holds: vacation holds (service_hold) and the provider's hold settings; a package-change fee (setting and
the fee each order quoted, with the invoice that charged it); paper bills marked printed

Revision ID: 0007_holds
Revises: 0006_notifications
"""

from alembic import op
import sqlalchemy as sa
import portal_app.models.base


revision = '0007_holds'
down_revision = '0006_notifications'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('service_hold',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('workflow_id', sa.Integer(), nullable=True),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('monthly_price_cents', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('created_at', portal_app.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('requested_by', sa.String(length=120), nullable=False),
    sa.Column('decided_at', portal_app.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sa.String(length=120), nullable=False),
    sa.Column('invoiced_through', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ),
    sa.ForeignKeyConstraint(['workflow_id'], ['workflow.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('service_hold', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_hold_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_hold_status'), ['status'], unique=False)

    with op.batch_alter_table('cart_order', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fee_cents', sa.Integer(), nullable=False, server_default='0'))
    # As in 0005: workflows reference cart_order, so SQLite cannot rebuild it once orders exist; the
    # reference comes with the column there (ADD COLUMN ... REFERENCES).
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE cart_order ADD COLUMN fee_invoice_id INTEGER REFERENCES invoice (id)')
    else:
        op.add_column('cart_order', sa.Column('fee_invoice_id', sa.Integer(), nullable=True))
        op.create_foreign_key('fk_cart_order_fee_invoice_id', 'cart_order', 'invoice', ['fee_invoice_id'], ['id'])

    with op.batch_alter_table('invoice', schema=None) as batch_op:
        batch_op.add_column(sa.Column('printed_at', portal_app.models.base.UTCDateTime(timezone=True), nullable=True))

    with op.batch_alter_table('provider_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hold_allowed', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('hold_min_days', sa.Integer(), nullable=False, server_default='7'))
        batch_op.add_column(sa.Column('hold_max_days', sa.Integer(), nullable=False, server_default='90'))
        batch_op.add_column(sa.Column('hold_max_ahead_days', sa.Integer(), nullable=False, server_default='60'))
        batch_op.add_column(sa.Column('hold_price_cents', sa.Integer(), nullable=False, server_default='500'))
        batch_op.add_column(sa.Column('hold_per_year', sa.Integer(), nullable=False, server_default='2'))
        batch_op.add_column(sa.Column('change_fee_cents', sa.Integer(), nullable=False, server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('provider_settings', schema=None) as batch_op:
        for column in ('change_fee_cents', 'hold_per_year', 'hold_price_cents', 'hold_max_ahead_days',
                       'hold_max_days', 'hold_min_days', 'hold_allowed'):
            batch_op.drop_column(column)
    with op.batch_alter_table('invoice', schema=None) as batch_op:
        batch_op.drop_column('printed_at')
    sqlite = op.get_bind().dialect.name == 'sqlite'
    if sqlite:
        op.execute('PRAGMA foreign_keys=OFF')
    with op.batch_alter_table('cart_order', schema=None) as batch_op:
        if not sqlite:
            batch_op.drop_constraint('fk_cart_order_fee_invoice_id', type_='foreignkey')
        batch_op.drop_column('fee_invoice_id')
        batch_op.drop_column('fee_cents')
    if sqlite:
        op.execute('PRAGMA foreign_keys=ON')
    with op.batch_alter_table('service_hold', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_hold_status'))
        batch_op.drop_index(batch_op.f('ix_service_hold_account_id'))
    op.drop_table('service_hold')
