"""The drivers run on a station PC that has the LIMS code but no Django project configured."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_drivers_and_simulators_import_without_django():
    program = (
        "import sys\n"
        "import scanner_drivers.ports, scanner_drivers.scanners\n"
        "import scanner_drivers.scales, scanner_drivers.simulators\n"
        "assert not any(name.split('.')[0] == 'django' for name in sys.modules), 'django'\n"
    )
    environment = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", program], env=environment, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
