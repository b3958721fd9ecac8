"""Tests of the domain and the base: the things, the rules, the merge, gains, accounts, settings."""
