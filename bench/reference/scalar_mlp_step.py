"""
A reference for the scalar MLP step of `npm run bench`: the same workload (micrograd's demo: a
2-16-16-1 MLP of scalar values on 100 two-moons points, max-margin loss plus L2 regularisation,
one SGD step) on a scalar autograd engine in plain Python, built the way micrograd builds it:
one object per value holding a closure for its backward rule, and a backward pass that sorts the
graph topologically by recursion. It was written for this comparison (it is not micrograd's code),
so that the ratio can be measured on the same machine on the same day.

Not run by npm; needs only Python 3:  python3 bench/reference/scalar_mlp_step.py
It prints the median time of a training step.
"""
import math
import random
import sys
import time

sys.setrecursionlimit(100_000)


class Scalar:
    def __init__(self, data, parents=()):
        self.data = data
        self.grad = 0.0
        self._parents = parents
        self._backward = lambda: None

    def __add__(self, other):
        other = other if isinstance(other, Scalar) else Scalar(other)
        out = Scalar(self.data + other.data, (self, other))

        def backward():
            self.grad += out.grad
            other.grad += out.grad
        out._backward = backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Scalar) else Scalar(other)
        out = Scalar(self.data * other.data, (self, other))

        def backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = backward
        return out

    def relu(self):
        out = Scalar(self.data if self.data > 0 else 0.0, (self,))

        def backward():
            self.grad += (1.0 if out.data > 0 else 0.0) * out.grad
        out._backward = backward
        return out

    __radd__ = __add__
    __rmul__ = __mul__

    def backward(self):
        order, seen = [], set()

        def visit(node):
            if node not in seen:
                seen.add(node)
                for parent in node._parents:
                    visit(parent)
                order.append(node)
        visit(self)
        self.grad = 1.0
        for node in reversed(order):
            node._backward()


class Neuron:
    def __init__(self, inputs, linear):
        self.weights = [Scalar(random.uniform(-1, 1)) for _ in range(inputs)]
        self.bias = Scalar(0.0)
        self.linear = linear

    def __call__(self, x):
        total = sum((w * xi for w, xi in zip(self.weights, x)), self.bias)
        return total if self.linear else total.relu()

    def parameters(self):
        return self.weights + [self.bias]


class MLP:
    def __init__(self, sizes):
        self.layers = [[Neuron(sizes[i], i == len(sizes) - 2) for _ in range(sizes[i + 1])] for i in range(len(sizes) - 1)]

    def __call__(self, x):
        for layer in self.layers:
            x = [neuron(x) for neuron in layer]
        return x[0]

    def parameters(self):
        return [p for layer in self.layers for neuron in layer for p in neuron.parameters()]


def make_moons(count, noise):
    half = count // 2
    points, labels = [], []
    for i in range(count):
        upper = i < half
        angle = math.pi * (i / (half - 1) if upper else (i - half) / (count - half - 1))
        x = math.cos(angle) if upper else 1 - math.cos(angle)
        y = math.sin(angle) if upper else 0.5 - math.sin(angle)
        points.append((x + noise * random.gauss(0, 1), y + noise * random.gauss(0, 1)))
        labels.append(-1.0 if upper else 1.0)
    return points, labels


def step(model, inputs, labels, learning_rate):
    scores = [model(x) for x in inputs]
    data_loss = sum(((1 + -label * score).relu() for label, score in zip(labels, scores)), Scalar(0.0))
    squares = sum((p * p for p in model.parameters()), Scalar(0.0))
    total = data_loss * (1.0 / len(scores)) + squares * 1e-4
    for p in model.parameters():
        p.grad = 0.0
    total.backward()
    for p in model.parameters():
        p.data -= learning_rate * p.grad
    return total.data


def main():
    random.seed(1337)
    points, labels = make_moons(100, 0.1)
    model = MLP([2, 16, 16, 1])
    inputs = [[Scalar(x), Scalar(y)] for x, y in points]
    times = []
    for _ in range(15):
        started = time.perf_counter()
        loss = step(model, inputs, labels, 0.1)
        times.append(time.perf_counter() - started)
    times.sort()
    print(f"python scalar engine: median step {1000 * times[len(times) // 2]:.0f} ms (loss {loss:.4f})")


if __name__ == "__main__":
    main()
