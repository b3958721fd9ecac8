"""Tests of the services: the sync API and the wall screen's client, hostile input, QR tokens."""
