"""Alembic environment.

Migrations run as the owner role (``MIGRATION_DATABASE_URL``) when one is set:
the portal's own role owns nothing and may not change the schema. Without it
(the SQLite demo) they use the portal's database URL.
"""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app
from sqlalchemy import create_engine, pool

config = context.config
fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

target_db = current_app.extensions["migrate"].db


def migration_url() -> str:
    return (
        current_app.config.get("MIGRATION_DATABASE_URI")
        or current_app.config["SQLALCHEMY_DATABASE_URI"]
    )


def get_metadata():
    return target_db.metadata


def run_migrations_offline() -> None:
    context.configure(url=migration_url(), target_metadata=get_metadata(), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    def process_revision_directives(context, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info("No changes in schema detected.")

    conf_args = current_app.extensions["migrate"].configure_args
    if conf_args.get("process_revision_directives") is None:
        conf_args["process_revision_directives"] = process_revision_directives

    connectable = create_engine(migration_url(), poolclass=pool.NullPool)
    with connectable.connect() as connection:
        context.configure(connection=connection, target_metadata=get_metadata(), **conf_args)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
