"""Tests of the pages through NiceGUI's simulated user and plain HTTP."""
