"""an alley's English name (the roster's optional name_en), for English readers

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-28 19:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('alley', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_en', sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('alley', schema=None) as batch_op:
        batch_op.drop_column('name_en')
