"""case address: where exactly, in the words another system gave

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-29 00:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = '0019'
down_revision: str | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('report_case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('address', sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('report_case', schema=None) as batch_op:
        batch_op.drop_column('address')
