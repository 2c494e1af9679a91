"""
A reference for the LeNet-5 step of `npm run bench` (--only lenet-step): the same workload in PyTorch
on the CPU, float32: conv 1->6 5x5, ReLU, max pool 2, conv 6->16 5x5, ReLU, max pool 2, flatten,
Linear 256-120-84-10 with ReLU between, on a [64, 1, 28, 28] batch; cross-entropy, backward, one SGD
step (lr 0.01).

Not run by npm; needs PyTorch:  /usr/bin/python3 bench/reference/lenet_step.py [threads]
It prints the median time of a training step (threads: torch.set_num_threads, default 1).
"""
import os
import statistics
import sys
import time

# Debian's torch calls the system BLAS and LAPACK (OpenBLAS once libopenblas0 is installed, the
# reference libblas3 otherwise); torch.set_num_threads does not reach OpenBLAS's own threads, so
# they are set here, before torch loads.
os.environ.setdefault('OPENBLAS_NUM_THREADS', sys.argv[1] if len(sys.argv) > 1 else '1')

import torch

from blas import blas_note
import torch.nn as nn

torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
torch.manual_seed(5)
net = nn.Sequential(
    nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
    nn.Flatten(),
    nn.Linear(256, 120), nn.ReLU(),
    nn.Linear(120, 84), nn.ReLU(),
    nn.Linear(84, 10),
)
opt = torch.optim.SGD(net.parameters(), lr=0.01)
x = torch.rand(64, 1, 28, 28)
y = torch.arange(64) % 10


def step():
    opt.zero_grad()
    loss = nn.functional.cross_entropy(net(x), y)
    loss.backward()
    opt.step()
    return loss.item()


for _ in range(5):
    step()
times = []
started = time.perf_counter()
while len(times) < 20 or time.perf_counter() - started < 3:
    t0 = time.perf_counter()
    step()
    times.append((time.perf_counter() - t0) * 1000)
print(f"PyTorch {torch.__version__} LeNet-5 step, batch 64, {torch.get_num_threads()} thread(s): median {statistics.median(times):.2f} ms over {len(times)} steps")
print(blas_note())
