"""open311: api keys and the requests other systems filed; channels as long as a key's name

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-28 23:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql
import models.base

revision: str = '0018'
down_revision: str | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table('api_key',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('hint', sa.String(length=16), nullable=False),
    sa.Column('streets', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('read_only', sa.Boolean(), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_used_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_key')),
    sa.UniqueConstraint('name', name=op.f('uq_api_key_name'))
    )
    with op.batch_alter_table('api_key', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_key_digest'), ['digest'], unique=True)

    op.create_table('open311_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('filed_case_id', sa.Integer(), nullable=False),
    sa.Column('api_key_id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.Column('account_id', sa.String(length=64), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('callback_url', sa.Text(), nullable=True),
    sa.Column('pushed_event_id', sa.Integer(), nullable=False),
    sa.Column('push_attempts', sa.Integer(), nullable=False),
    sa.Column('push_due_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('push_error', sa.Text(), nullable=True),
    sa.Column('push_gave_up', sa.Boolean(), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['api_key_id'], ['api_key.id'], name=op.f('fk_open311_request_api_key_id_api_key')),
    sa.ForeignKeyConstraint(['case_id'], ['report_case.id'], name=op.f('fk_open311_request_case_id_report_case')),
    sa.ForeignKeyConstraint(['filed_case_id'], ['report_case.id'], name=op.f('fk_open311_request_filed_case_id_report_case')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_open311_request'))
    )
    with op.batch_alter_table('open311_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_open311_request_api_key_id'), ['api_key_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_open311_request_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_open311_request_push_due_at'), ['push_due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_open311_request_token'), ['token'], unique=True)

    with op.batch_alter_table('report_case', schema=None) as batch_op:
        batch_op.alter_column('channel',
               existing_type=sa.VARCHAR(length=16),
               type_=sa.String(length=64),
               existing_nullable=True)

    with op.batch_alter_table('report_draft', schema=None) as batch_op:
        batch_op.alter_column('channel',
               existing_type=sa.VARCHAR(length=16),
               type_=sa.String(length=64),
               existing_nullable=True)




def downgrade() -> None:

    with op.batch_alter_table('report_draft', schema=None) as batch_op:
        batch_op.alter_column('channel',
               existing_type=sa.String(length=64),
               type_=sa.VARCHAR(length=16),
               existing_nullable=True)

    with op.batch_alter_table('report_case', schema=None) as batch_op:
        batch_op.alter_column('channel',
               existing_type=sa.String(length=64),
               type_=sa.VARCHAR(length=16),
               existing_nullable=True)

    with op.batch_alter_table('open311_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_open311_request_token'))
        batch_op.drop_index(batch_op.f('ix_open311_request_push_due_at'))
        batch_op.drop_index(batch_op.f('ix_open311_request_case_id'))
        batch_op.drop_index(batch_op.f('ix_open311_request_api_key_id'))

    op.drop_table('open311_request')
    with op.batch_alter_table('api_key', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_key_digest'))

    op.drop_table('api_key')

