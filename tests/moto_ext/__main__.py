"""``python -m tests.moto_ext PORT``: the extended moto server, for tests/test_e2e_moto.py (see MotoServer)."""

import sys

from tests.moto_ext import serve

serve(int(sys.argv[1]))
