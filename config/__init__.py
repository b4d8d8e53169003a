"""The bottom layer: validated settings, their loading and types, errors, redaction, the
database plumbing and logging. Imports no stage."""
