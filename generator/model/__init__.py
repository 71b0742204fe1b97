"""Stage 4, the model: the immutable, fully expanded description of every Terraform root (nodes),
built once from a valid policy (build)."""
