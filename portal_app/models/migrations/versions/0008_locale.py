"""locale: the language (a CLDR locale such as es_US) each portal user reads, for their PDFs and mail

Revision ID: 0008_locale
Revises: 0006_notifications
"""

from alembic import op
import sqlalchemy as sa


revision = '0008_locale'
down_revision = '0007_holds'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('portal_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('portal_user', schema=None) as batch_op:
        batch_op.drop_column('language')
