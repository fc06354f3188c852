"""intake's learned readers: the shipped model and each street's own, kept as bytes

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-28 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = '0017'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'intake_model',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('street_id', sa.Integer(), nullable=True),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column('digest', sa.String(length=32), nullable=False),
        sa.Column('library', sa.String(length=32), nullable=False),
        sa.Column('examples', sa.Integer(), nullable=False),
        sa.Column('street_examples', sa.Integer(), nullable=False),
        sa.Column('threshold', sa.Float(), nullable=False),
        sa.Column('accuracy', sa.Float(), nullable=True),
        sa.Column('asks', sa.Float(), nullable=True),
        sa.Column('street_accuracy', sa.Float(), nullable=True),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(['street_id'], ['street.id'], name=op.f('fk_intake_model_street_id_street')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_intake_model')),
    )
    with op.batch_alter_table('intake_model', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_intake_model_active'), ['active'], unique=False)
        batch_op.create_index(batch_op.f('ix_intake_model_street_id'), ['street_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('intake_model', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_intake_model_street_id'))
        batch_op.drop_index(batch_op.f('ix_intake_model_active'))
    op.drop_table('intake_model')
