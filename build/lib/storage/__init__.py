"""Persistence: SQLAlchemy 2 async models and repositories, Alembic migrations, bot state store.

Works on SQLite (aiosqlite, the embedded default) and PostgreSQL (asyncpg) alike. No SDK imports.
"""
