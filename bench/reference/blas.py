"""
Which BLAS this process runs PyTorch's products on, read from the libraries it has mapped. Debian's
python3-torch calls the system BLAS: the reference (netlib) libblas3 unless OpenBLAS is installed
(`apt install libopenblas0-pthread`), and the reference one is about ten times slower, which makes
every "@nn against PyTorch" ratio flatter @nn. The reference scripts print this after their figure.
"""
import torch


def blas_note() -> str:
    """A line naming the BLAS behind torch's products, with a warning when it is the reference one."""
    torch.ones(64, 64) @ torch.ones(64, 64)  # the BLAS is loaded lazily, on the first product
    try:
        with open('/proc/self/maps') as maps:
            libraries = {line.split()[-1] for line in maps if '.so' in line}
    except OSError:
        return 'BLAS: unknown (no /proc/self/maps here)'
    if any('openblas' in path for path in libraries):
        return 'BLAS: OpenBLAS'
    if any('libblas' in path for path in libraries):
        return ('BLAS: the reference libblas, about 10x slower than OpenBLAS; this figure flatters @nn '
                '(apt install libopenblas0-pthread)')
    return 'BLAS: ' + (', '.join(sorted(p for p in libraries if 'blas' in p or 'mkl' in p)) or 'none found')
