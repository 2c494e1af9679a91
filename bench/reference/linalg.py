"""
A reference for the linalg part of `npm run bench` (--only linalg): the same cases in PyTorch
(LAPACK) on the CPU, float64, on one thread (torch.set_num_threads(1)). Each argument is a case and
a size, 'cholesky:256'; the matrices are built as bench/linalg.ts builds them (SPD as X X^T / n + I;
a general normal matrix and a vector for solve).

Run by bench/run.ts when /usr/bin/python3 has PyTorch; by hand:
    /usr/bin/python3 bench/reference/linalg.py cholesky:256 solve:512
It prints one JSON object: {"torch": version, "cases": {"cholesky:256": median milliseconds, ...}}.
"""
import json
import os
import statistics
import sys
import time

# Debian's torch calls the system BLAS and LAPACK (OpenBLAS once libopenblas0 is installed, the
# reference libblas3 otherwise); torch.set_num_threads does not reach OpenBLAS's own threads, so
# they are set here, before torch loads.
os.environ.setdefault('OPENBLAS_NUM_THREADS', '1')

import torch

from blas import blas_note

torch.set_num_threads(1)


def spd(n, g):
    x = torch.randn(n, n, dtype=torch.float64, generator=g)
    return x @ x.T / n + torch.eye(n, dtype=torch.float64)


def general(n, g):
    return torch.randn(n, n, dtype=torch.float64, generator=g)


# Each case: make the inputs for size n, then the work timed. Add a case here and in bench/linalg.ts.
CASES = {
    "cholesky": (lambda n, g: (spd(n, g),), lambda a: torch.linalg.cholesky(a)),
    "solve": (lambda n, g: (general(n, g), torch.randn(n, dtype=torch.float64, generator=g)), lambda a, b: torch.linalg.solve(a, b)),
    "eigh": (lambda n, g: (spd(n, g),), lambda a: torch.linalg.eigh(a)),
}


def median_ms(fn, min_seconds=1.0, min_runs=5):
    fn()
    fn()
    times = []
    started = time.perf_counter()
    while len(times) < min_runs or time.perf_counter() - started < min_seconds:
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


results = {}
for arg in sys.argv[1:]:
    name, size = arg.split(":")
    make, work = CASES[name]
    inputs = make(int(size), torch.Generator().manual_seed(int(size)))
    results[arg] = median_ms(lambda: work(*inputs))
print(json.dumps({"torch": torch.__version__, "blas": blas_note(), "cases": results}))
