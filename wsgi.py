"""WSGI entry point: ``gunicorn wsgi:app``. The config comes from NAZORG_CONFIG."""

from app import create_app

app = create_app()
