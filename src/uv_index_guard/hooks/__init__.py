"""Front ends that read files: `check` (config rules) for the CLI and pre-commit."""
