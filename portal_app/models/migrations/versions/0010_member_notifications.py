"""member notifications: what a person invited to an account (full, billing-only or view-only) chose to be
emailed about it (member_notification_choice, one row per event where it differs from their role's default)

Revision ID: 0010_member_notifications
Revises: 0009_memberships
"""

from alembic import op
import sqlalchemy as sa


revision = '0010_member_notifications'
down_revision = '0009_memberships'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('member_notification_choice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('event', sa.String(length=32), nullable=False),
    sa.Column('email', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['portal_user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id', 'account_id', 'event')
    )
    with op.batch_alter_table('member_notification_choice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_member_notification_choice_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_member_notification_choice_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('member_notification_choice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_member_notification_choice_user_id'))
        batch_op.drop_index(batch_op.f('ix_member_notification_choice_account_id'))
    op.drop_table('member_notification_choice')
