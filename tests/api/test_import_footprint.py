"""The server's resident memory is a target (issue 13: peak RSS no worse than the reference server's 1.10 GB, of
which importing torch alone takes ≈ 520 MB). Heavy libraries that only some endpoints need must be imported by those
endpoints, not when the app is created: the precompute stack (numba, which pulls scipy; pyarrow) is ≈ 90 MB."""

import subprocess
import sys

HEAVY_FOR_SOME_ENDPOINTS = ("numba", "scipy", "pyarrow", "sklearn", "captum", "kronfluence", "ray", "openTSNE", "timm")


def test_creating_the_app_imports_no_library_that_only_some_endpoints_need():
    code = ("import sys; from layerwalk.api.app import create_app; create_app; "
            f"print(','.join(m for m in {HEAVY_FOR_SOME_ENDPOINTS!r} if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == "", f"importing the app loads {loaded}: import them inside the endpoints that use them"
