"""Benchmarks: ``python -m bench`` runs them and prints one table. Every target is 127.0.0.1."""
