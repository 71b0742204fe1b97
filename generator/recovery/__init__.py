"""Recovering clusters through boto3 (the ``aws`` extra): ``restore`` in an incident, ``drill`` on a schedule.

What the policy promises (vaults, roles, keys, RPO) is read, pure, by ``generator.insight.recovery_sites``.
Here: ``clients`` reaches each account, ``points`` finds recovery points, ``engine`` makes the AWS calls with
their waits, ``restore`` and ``drill`` are the two procedures, ``report`` renders a drill, ``probe`` looks
inside a restored cluster.
"""
