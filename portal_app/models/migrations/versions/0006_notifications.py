"""notifications: each account's channel choices, texting number and quiet hours; the log of what was
sent; the text-message outbox; outage notices for service areas; an HTML part for outbox mail

Revision ID: 0006_notifications
Revises: 0004_operations
"""

from alembic import op
import sqlalchemy as sa
import portal_app.models.base


revision = '0006_notifications'
down_revision = '0005_bills'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('outage_notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('title', sa.String(length=80), nullable=False),
    sa.Column('details', sa.String(length=1000), nullable=False),
    sa.Column('starts_at', portal_app.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expected_end_at', portal_app.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('all_areas', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('posted_at', portal_app.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('posted_by', sa.String(length=120), nullable=False),
    sa.Column('restored_at', portal_app.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('outage_notice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outage_notice_status'), ['status'], unique=False)

    op.create_table('outage_notice_area',
    sa.Column('notice_id', sa.Integer(), nullable=False),
    sa.Column('service_area_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['notice_id'], ['outage_notice.id'], ),
    sa.ForeignKeyConstraint(['service_area_id'], ['service_area.id'], ),
    sa.PrimaryKeyConstraint('notice_id', 'service_area_id')
    )
    with op.batch_alter_table('outage_notice_area', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outage_notice_area_service_area_id'), ['service_area_id'], unique=False)

    op.create_table('outage_update',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=False),
    sa.Column('posted_at', portal_app.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('posted_by', sa.String(length=120), nullable=False),
    sa.Column('message', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['notice_id'], ['outage_notice.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('outage_update', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outage_update_notice_id'), ['notice_id'], unique=False)

    op.create_table('notification_choice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('event', sa.String(length=32), nullable=False),
    sa.Column('email', sa.Boolean(), nullable=False),
    sa.Column('sms', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('account_id', 'event')
    )
    with op.batch_alter_table('notification_choice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_choice_account_id'), ['account_id'], unique=False)

    op.create_table('notification_settings',
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('sms_phone', sa.String(length=20), nullable=False),
    sa.Column('sms_verified_at', portal_app.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('sms_opted_out_at', portal_app.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('pending_phone', sa.String(length=20), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('code_expires_at', portal_app.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('code_attempts', sa.Integer(), nullable=False),
    sa.Column('quiet_hours', sa.Boolean(), nullable=False),
    sa.Column('quiet_start_minute', sa.Integer(), nullable=False),
    sa.Column('quiet_end_minute', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ),
    sa.PrimaryKeyConstraint('account_id')
    )
    with op.batch_alter_table('notification_settings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_settings_sms_phone'), ['sms_phone'], unique=False)

    op.create_table('outbox_sms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=True),
    sa.Column('to_number', sa.String(length=20), nullable=False),
    sa.Column('body', sa.String(length=640), nullable=False),
    sa.Column('purpose', sa.String(length=16), nullable=False),
    sa.Column('created_at', portal_app.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('next_attempt_at', portal_app.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('sent_at', portal_app.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(length=300), nullable=False),
    sa.Column('provider_ref', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('outbox_sms', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_sms_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_sms_next_attempt_at'), ['next_attempt_at'], unique=False)

    op.create_table('notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('event', sa.String(length=32), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('dedupe_key', sa.String(length=120), nullable=True),
    sa.Column('to_address', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('created_at', portal_app.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('outbox_mail_id', sa.Integer(), nullable=True),
    sa.Column('outbox_sms_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ),
    sa.ForeignKeyConstraint(['outbox_mail_id'], ['outbox_mail.id'], ),
    sa.ForeignKeyConstraint(['outbox_sms_id'], ['outbox_sms.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('account_id', 'channel', 'dedupe_key')
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_created_at'), ['created_at'], unique=False)

    with op.batch_alter_table('outbox_mail', schema=None) as batch_op:
        batch_op.add_column(sa.Column('body_html', sa.Text(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('outbox_mail', schema=None) as batch_op:
        batch_op.drop_column('body_html')

    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_created_at'))
        batch_op.drop_index(batch_op.f('ix_notification_account_id'))

    op.drop_table('notification')
    with op.batch_alter_table('outbox_sms', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_sms_next_attempt_at'))
        batch_op.drop_index(batch_op.f('ix_outbox_sms_account_id'))

    op.drop_table('outbox_sms')
    with op.batch_alter_table('notification_settings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_settings_sms_phone'))

    op.drop_table('notification_settings')
    with op.batch_alter_table('notification_choice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_choice_account_id'))

    op.drop_table('notification_choice')
    with op.batch_alter_table('outage_update', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outage_update_notice_id'))

    op.drop_table('outage_update')
    with op.batch_alter_table('outage_notice_area', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outage_notice_area_service_area_id'))

    op.drop_table('outage_notice_area')
    with op.batch_alter_table('outage_notice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outage_notice_status'))

    op.drop_table('outage_notice')
