"""Import time of app.py beside the baseline of its four big dependencies, each in fresh interpreters.

Prints the medians and their ratio; the goal is app.py <= 1.15 x the baseline (heavy
work is lazy: boto3 clients, the definitions, phonenumbers, standardwebhooks).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = 15
BASELINE = "import chalice, boto3, httpx, pydantic"
APP = "import app"
GOAL = 1.15


def measure(statement: str) -> float:
    code = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True, timeout=60)
    return float(out.stdout.strip())


def main() -> int:
    baseline, app = [], []
    for _ in range(RUNS):  # interleaved, so drift in machine load hits both alike
        baseline.append(measure(BASELINE))
        app.append(measure(APP))
    b, a = statistics.median(baseline), statistics.median(app)
    ratio = a / b
    print(f"import time, median of {RUNS} fresh interpreters")
    print(f"  baseline ({BASELINE}): {b * 1000:7.1f} ms")
    print(f"  app.py   ({APP}):                     {a * 1000:7.1f} ms")
    print(f"  ratio app / baseline: {ratio:.3f} (goal <= {GOAL})")
    return 0 if ratio <= GOAL else 1


if __name__ == "__main__":
    raise SystemExit(main())
