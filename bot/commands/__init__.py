"""The command line's subcommands, one module each; bot/cli.py parses and dispatches."""
