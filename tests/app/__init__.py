"""Tests of the app as a whole: the command line, the package, the layers, the browser launcher."""
