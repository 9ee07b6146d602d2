"""What machine a benchmark ran on (printed with every result)."""

from __future__ import annotations

import os
import platform
import statistics


def describe() -> str:
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = ""
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        mem = f", {pages / 2**30:.0f} GiB"
    except (ValueError, OSError):
        pass
    return (
        f"{platform.node()}: {os.cpu_count()} cores ({cpu}){mem}, "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}"
    )


def free_port() -> int:
    """A free loopback TCP port (for the servers a benchmark starts)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def summary(values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    return (
        f"p50 {percentile(ms, 50):.2f} ms, p95 {percentile(ms, 95):.2f} ms, "
        f"p99 {percentile(ms, 99):.2f} ms, mean {statistics.fmean(ms):.2f} ms (n={len(ms)})"
    )


SMOKE_HELP = "seconds-long run with tiny sizes (the test suite runs it so it cannot rot)"


def apply_smoke(opts: object, **tiny: object) -> None:
    """With ``--smoke``, replace the sizes in ``opts`` by ``tiny`` ones (and say so)."""
    if getattr(opts, "smoke", False):
        for name, value in tiny.items():
            setattr(opts, name, value)
        print(f"smoke run: {', '.join(f'{k}={v}' for k, v in tiny.items())} (figures mean little)")
