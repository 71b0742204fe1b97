"""Driving terraform over compiled roots: discovery, the binary, offline preview, emulator runs,
plan/apply/destroy in waves, the risk report and CI rollout."""
