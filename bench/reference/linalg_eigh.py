"""
A reference for the eigh part of `npm run bench` (--only linalg-eigh): torch.linalg.eigh (LAPACK's
dsyevd) on the same float64 symmetric matrices, one thread.

Run by bench/linalg-eigh.ts when /usr/bin/python3 has PyTorch, or by hand:
    /usr/bin/python3 bench/reference/linalg_eigh.py 256 512
It prints one JSON line: {"torch": version, "threads": 1, "ms": {"256": median, ...}}.
"""
import json
import statistics
import sys
import time

import torch

torch.set_num_threads(1)
sizes = [int(a) for a in sys.argv[1:]] or [256, 512]
ms = {}
for n in sizes:
    g = torch.Generator().manual_seed(n)
    b = torch.rand(n, n, dtype=torch.float64, generator=g) * 2 - 1
    a = b + b.T
    for _ in range(2):
        torch.linalg.eigh(a)
    times = []
    started = time.perf_counter()
    while len(times) < 5 or time.perf_counter() - started < 2:
        t0 = time.perf_counter()
        torch.linalg.eigh(a)
        times.append((time.perf_counter() - t0) * 1000)
    ms[str(n)] = statistics.median(times)
print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "ms": ms}))
