"""scan to report: signboard tokens, public case ids, web photos, public phones

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-29 00:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = '0020'
down_revision: str | None = '0019'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('web_photo',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('content_type', sa.String(length=32), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('source', sa.String(length=256), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['report_case.id'], name=op.f('fk_web_photo_case_id_report_case')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_web_photo'))
    )
    with op.batch_alter_table('web_photo', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_web_photo_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_web_photo_token'), ['token'], unique=True)

    with op.batch_alter_table('alley', schema=None) as batch_op:
        batch_op.add_column(sa.Column('board_token', sa.String(length=32), nullable=True))
        batch_op.create_index(batch_op.f('ix_alley_board_token'), ['board_token'], unique=True)

    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone_public', sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table('party', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone', sa.String(length=64), nullable=True))

    with op.batch_alter_table('report_case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('public_id', sa.String(length=32), nullable=True))
        batch_op.create_index(batch_op.f('ix_report_case_public_id'), ['public_id'], unique=True)

    with op.batch_alter_table('street', schema=None) as batch_op:
        batch_op.add_column(sa.Column('supervision_phone', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('publish_fix_photos', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('street', schema=None) as batch_op:
        batch_op.drop_column('publish_fix_photos')
        batch_op.drop_column('supervision_phone')

    with op.batch_alter_table('report_case', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_case_public_id'))
        batch_op.drop_column('public_id')

    with op.batch_alter_table('party', schema=None) as batch_op:
        batch_op.drop_column('phone')

    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.drop_column('phone_public')

    with op.batch_alter_table('alley', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alley_board_token'))
        batch_op.drop_column('board_token')

    with op.batch_alter_table('web_photo', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_web_photo_token'))
        batch_op.drop_index(batch_op.f('ix_web_photo_case_id'))

    op.drop_table('web_photo')
