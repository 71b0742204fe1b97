"""What a compiled policy means for people: explain, diagrams, runbooks and backup-now, all read
from the model."""
