"""The ``gisplan`` command line: one click group, one module per subcommand family."""
