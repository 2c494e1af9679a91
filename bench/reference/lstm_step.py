"""
A reference for the LSTM step of `npm run bench` (--only lstm): the same workload in PyTorch on the
CPU, float32: nn.LSTM(32, 128, num_layers=2, batch_first=True) on a [32, 50, 32] batch, MSE loss on
the output sequence against a [32, 50, 128] target, backward, one Adam step (lr 1e-3).

Not run by npm; needs PyTorch:  /usr/bin/python3 bench/reference/lstm_step.py [threads]
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

torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
torch.manual_seed(50)
lstm = torch.nn.LSTM(32, 128, num_layers=2, batch_first=True)
opt = torch.optim.Adam(lstm.parameters(), lr=1e-3)
x = torch.rand(32, 50, 32)
y = torch.rand(32, 50, 128)


def step():
    opt.zero_grad()
    loss = torch.nn.functional.mse_loss(lstm(x)[0], y)
    loss.backward()
    opt.step()
    return loss.item()


for _ in range(3):
    step()
times = []
started = time.perf_counter()
while len(times) < 10 or time.perf_counter() - started < 3:
    t0 = time.perf_counter()
    step()
    times.append((time.perf_counter() - t0) * 1000)
print(f"PyTorch {torch.__version__} LSTM step, {torch.get_num_threads()} thread(s): median {statistics.median(times):.2f} ms over {len(times)} steps")
print(blas_note())
