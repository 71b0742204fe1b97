"""What a compiled policy means for people: explain, diagrams, runbooks, and what restore and drill need to
know (recovery_sites), all read from the model."""
