"""What AWS accepts, shared by every stage: capabilities (Regions, features, limits), the cron dialect,
time zones, and the names and labels the output uses."""
