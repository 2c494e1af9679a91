"""
A reference for the GPT step of `npm run bench` (--only gpt-step): the same workload in PyTorch on
the CPU, float32. A character-level Transformer language model: token embedding (vocab 64, dModel
128) plus a learned positional embedding (64 positions), nn.TransformerEncoder of 2
nn.TransformerEncoderLayer(128, 4 heads, dim_feedforward 512, dropout 0, norm_first, batch_first)
under a causal mask, a final LayerNorm and Linear(128, 64) to the logits; cross-entropy on the next
token of a [16, 64] batch, backward, one Adam step (lr 1e-3).

Not run by npm; needs PyTorch:  /usr/bin/python3 bench/reference/gpt_step.py [threads]
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

VOCAB, SEQ, D_MODEL, HEADS, LAYERS, FEEDFORWARD, BATCH = 64, 64, 128, 4, 2, 512, 16

torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
torch.manual_seed(64)


class Gpt(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.tokens = torch.nn.Embedding(VOCAB, D_MODEL)
        self.positions = torch.nn.Embedding(SEQ, D_MODEL)
        layer = torch.nn.TransformerEncoderLayer(D_MODEL, HEADS, dim_feedforward=FEEDFORWARD, dropout=0.0, norm_first=True, batch_first=True)
        self.encoder = torch.nn.TransformerEncoder(layer, LAYERS, enable_nested_tensor=False)
        self.norm = torch.nn.LayerNorm(D_MODEL)
        self.head = torch.nn.Linear(D_MODEL, VOCAB)
        # The causal mask as an additive float mask: -inf above the diagonal.
        self.register_buffer("mask", torch.triu(torch.full((SEQ, SEQ), float("-inf")), diagonal=1))

    def forward(self, ids):
        x = self.tokens(ids) + self.positions(torch.arange(ids.shape[1]))
        return self.head(self.norm(self.encoder(x, mask=self.mask)))


model = Gpt()
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
ids = torch.randint(0, VOCAB, (BATCH, SEQ + 1))
inputs, targets = ids[:, :-1], ids[:, 1:]


def step():
    opt.zero_grad()
    logits = model(inputs)
    loss = torch.nn.functional.cross_entropy(logits.reshape(-1, VOCAB), targets.reshape(-1))
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
print(f"PyTorch {torch.__version__} GPT step, {torch.get_num_threads()} thread(s): median {statistics.median(times):.2f} ms over {len(times)} steps")
print(blas_note())
