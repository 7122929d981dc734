"""requests and osc-sdk-python load on the first API call, not before: `osc-build validate`
(no cloud call) starts 50 ms sooner."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

QUICKSTART = Path(__file__).resolve().parents[3] / "examples" / "quickstart.pkr.hcl"
LATE = ("requests", "osc_sdk_python", "urllib3")


def _loaded_after(code: str) -> list[str]:
    probe = (f"import sys\n{code}\n"
             f"print('LOADED=' + ','.join(m for m in {LATE!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True).stdout
    return [m for m in out.strip().splitlines()[-1].removeprefix("LOADED=").split(",") if m]


def test_validate_makes_no_call_and_loads_no_http_stack():
    code = ("from osc_build.cli import main\n"
            f"assert main(['validate', {str(QUICKSTART)!r}]) == 0")
    assert _loaded_after(code) == []


def test_the_client_loads_the_http_stack_for_its_first_call():
    assert _loaded_after("import osc_build_outscale.client, osc_build_outscale.cloud.access") == []
    code = ("from osc_build_outscale.client import Credentials, OscClient\n"
            "client = OscClient(Credentials(access_key='AK', secret_key='SK', region='eu-west-2',"
            " endpoint='https://127.0.0.1:9/api/v1'), max_attempts=1, connect_timeout=0.5)\n"
            "try:\n    client.call('ReadVms')\nexcept Exception as exc:\n    print(type(exc))")
    assert _loaded_after(code) == list(LATE)
