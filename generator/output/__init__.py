"""Stage 5-6, output: compile (model -> rendered files + manifest) and the writer, the only code
that writes compiled output to disk (with its helpers: paths checks -o, generated tells generated files
from kept ones, leftovers puts right what an interrupted run left, errors is what it reports)."""
