"""a reporter's phone, shown to the handler only with his leave; each chat's menu

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-28 17:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('tg_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('menu', sa.String(length=48), nullable=True))
    with op.batch_alter_table('report_case', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('contact_allowed', sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table('report_case', schema=None) as batch_op:
        batch_op.drop_column('contact_allowed')
    with op.batch_alter_table('tg_user', schema=None) as batch_op:
        batch_op.drop_column('menu')
        batch_op.drop_column('phone')
