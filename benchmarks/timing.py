"""What the benchmark scripts share: timing a call several times."""
from __future__ import annotations

import time


def timed(function, repeat: int) -> list[float]:
    """Seconds taken by each of `repeat` calls of `function`."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return times
