"""memberships: a sign-in may hold several accounts (account_membership, each with a role), and a
subscriber session remembers the account it acts for (user_session.account_id)

PortalUser.account_id keeps its meaning: the account the sign-in was created for (sessions start there).
Every existing sign-in gets the full-role membership of that account, so nobody loses access.

Revision ID: 0009_memberships
Revises: 0008_locale
"""

from alembic import op
import sqlalchemy as sa
import portal_app.models.base


revision = '0009_memberships'
down_revision = '0008_locale'  # main gained 0008_locale after 0007_holds; the chain stays one line
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('account_membership',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=12), nullable=False),
    sa.Column('added_at', portal_app.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('added_by', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['portal_user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id', 'account_id', name='uq_account_membership_user_account')
    )
    with op.batch_alter_table('account_membership', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_membership_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_account_membership_user_id'), ['user_id'], unique=False)

    op.execute("INSERT INTO account_membership (user_id, account_id, role, added_at, added_by) "
               "SELECT id, account_id, 'full', created_at, 'with the sign-in' FROM portal_user")

    # user_session is referenced by nothing, so batch mode may rebuild it on SQLite.
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('account_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_user_session_account_id', 'account', ['account_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.drop_constraint('fk_user_session_account_id', type_='foreignkey')
        batch_op.drop_column('account_id')
    with op.batch_alter_table('account_membership', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_membership_user_id'))
        batch_op.drop_index(batch_op.f('ix_account_membership_account_id'))
    op.drop_table('account_membership')
