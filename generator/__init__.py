"""dsql-backup: compile one YAML policy into Terraform that protects Aurora DSQL clusters with AWS Backup."""

__version__ = "0.1.0"
