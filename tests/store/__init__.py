"""Tests of the store: files, transactions, the archive, crashes and backups."""
