"""Stage 5-6, output: compile (model -> rendered files + manifest) and the writer, the only code
that writes compiled output to disk."""
