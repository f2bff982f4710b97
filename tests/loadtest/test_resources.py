"""CPU and RSS of watched processes, measured on a real busy process."""

from __future__ import annotations

import subprocess
import time

from conftest import PYTHON, free_port
from heady.loadtest.resources import Monitor


def test_monitor_measures_cpu_and_rss_of_a_busy_process() -> None:
    busy = subprocess.Popen(
        [PYTHON, "-c", "import time\nend = time.time() + 30\nwhile time.time() < end: pass"]
    )
    try:
        monitor = Monitor({"busy": busy.pid, "gone": 2**22 + free_port()})
        assert monitor.missing and "gone" in monitor.missing[0]
        monitor.start()
        time.sleep(1.2)
        (entry,) = monitor.stop(calls=100, wall=1.2)
    finally:
        busy.kill()
        busy.wait()
    assert entry["name"] == "busy" and entry["pid"] == busy.pid
    assert entry["cpu_seconds"] > 0
    assert entry["cpu_per_call_us"] == round(1e6 * entry["cpu_seconds"] / 100, 1)
    assert entry["rss_max_mb"] > 1
