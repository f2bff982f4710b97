"""The `heady` command: thin; parses arguments and calls the rooms."""
