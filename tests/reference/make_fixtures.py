#!/usr/bin/python3
"""Writes the PyTorch reference fixtures that tests/unit/test_reference.c
checks the C runtime against.

Run from the repository root with Debian's Python (it has torch and numpy):

    /usr/bin/python3 tests/reference/make_fixtures.py [--check]

Everything follows Keras (docs/keras-semantics.md), not PyTorch defaults:
dense kernels are [in, out] and y = x @ W + b; glorot_uniform kernels,
U[-l, l) with l = sqrt(6 / (in + out)); binary cross-entropy from the logits
of the last (sigmoid) layer; every loss is the mean over all B*784 elements;
the optimizers are written out by hand with Keras's formulas (Adam's
epsilon-hat form, eps 1e-7; SGD with Nesterov momentum; Keras 3 RMSprop).
torch.optim is not used: its Adam differs. All arithmetic is float32.

Biases: Keras starts them at zero, but then a forward pass never shows
whether a bias is added. So the fixtures start every bias at small random
values, U[-0.05, 0.05). Gradients do not depend on the bias values either
way.

Each fixture (tests/reference/NAME_fixture.safetensors) holds
    x [B,784]                     the noisy input, clip(t + 0.7 N(0,1), 0, 1)
    t [B,784]                     the clean target: the first B MNIST
                                  training images / 255
    layers.I.kernel, .bias        the initial weights (I counts dense layers)
    loss [1]                      the loss at the initial weights
    grad.layers.I.kernel, .bias   its gradient
    step1.loss [1]                the loss after one optimizer step
    losses [3]                    the loss of each of three steps, each
                                  computed before that step's update
                                  (losses[0] == loss, losses[1] == step1.loss)
    step3.layers.I.kernel, .bias  the weights after the three steps
and in __metadata__ the model, loss, optimizer and how it was made. The
fixtures (see FIXTURES below):
    ff   the article's feedforward model, BCE from logits, Adam (B=16)
    mix  relu, elu, leaky_relu(0.2), linear; MSE; SGD Nesterov 0.9 (B=16)
    rms  tanh, sigmoid; MAE on the probabilities; RMSprop (B=16)
    bce  relu, sigmoid, half the outputs saturated; BCE from logits, Adam (B=8),
         plus clipped.loss and clipped.grad.layers.I.* : Keras 2's clipped
         BCE on the probabilities at the initial weights

--check also repeats every computation in float64 and prints the largest
relative difference per tensor (max|a-b| / max|b|, as check_max_rel in
tests/unit/check.h): the float32 noise floor the C tolerance must clear.
"""

import json
import math
import os
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
MNIST = os.path.join(ROOT, "data", "mnist", "train-images-idx3-ubyte")

B = 16
NOISE_SIGMA = 0.7
BIAS_RANGE = 0.05
STEPS = 3

# name, seed, layers (units, activation, alpha), loss, optimizer, options
FIXTURES = [
    ("ff", 1,
     [(500, "sigmoid", 0), (300, "sigmoid", 0), (100, "sigmoid", 0), (16, "tanh", 0),
      (100, "sigmoid", 0), (300, "sigmoid", 0), (500, "sigmoid", 0), (784, "sigmoid", 0)],
     "binary_crossentropy",
     dict(name="adam", lr=1e-3, beta1=0.9, beta2=0.999, epsilon=1e-7), {}),
    ("mix", 2,
     [(64, "relu", 0), (32, "elu", 1.0), (16, "leaky_relu", 0.2), (784, "linear", 0)],
     "mse",
     dict(name="sgd", lr=0.01, momentum=0.9, nesterov=True), {}),
    ("rms", 3,
     [(32, "tanh", 0), (784, "sigmoid", 0)],
     "mae",
     dict(name="rmsprop", lr=1e-3, rho=0.9, epsilon=1e-7), {}),
    # Saturated outputs, where BCE from logits and Keras 2's clipped BCE on
    # probabilities part ways (at the other fixtures' outputs near 0.5 they
    # agree to ~1e-7). Also holds the clipped form's loss and gradients at
    # the initial weights (clipped.*). See saturating_bias().
    ("bce", 4,
     [(16, "relu", 0), (784, "sigmoid", 0)],
     "binary_crossentropy",
     dict(name="adam", lr=1e-3, beta1=0.9, beta2=0.999, epsilon=1e-7),
     dict(batch=8, saturate=True, clipped=True)),
]


def load_mnist(n):
    with open(MNIST, "rb") as f:
        head = f.read(16)
        magic, count, rows, cols = struct.unpack(">IIII", head)
        if magic != 2051 or rows * cols != 784 or count < n:
            sys.exit("%s: not an MNIST image file" % MNIST)
        pix = np.frombuffer(f.read(n * 784), dtype=np.uint8)
    return (pix.reshape(n, 784).astype(np.float32) / np.float32(255.0))


def saturating_bias(units, g):
    """A last-layer bias that saturates half the outputs cleanly: a quarter
    of the units get +U[24, 30), a quarter -U[24, 30) (sigmoid 1.0 or < 1e-10,
    far past the clip at 1e-7), the rest U[-0.5, 0.5). The clipped BCE's
    gradient 1/(1-p+1e-7) is ill-conditioned for p just below the clip (one
    ulp of p moves it by half), so no logit may fall between: main() checks
    every |logit| is below 4 or above 18."""
    u = torch.rand(units, generator=g)
    mag = 24.0 + 6.0 * torch.rand(units, generator=g)
    small = (torch.rand(units, generator=g) * 2.0 - 1.0) * 0.5
    return torch.where(u < 0.25, mag, torch.where(u < 0.5, -mag, small))


def make_inputs(seed, layers, batch=B, saturate=False):
    """The batch and the initial weights, drawn in float32 from one seed."""
    g = torch.Generator().manual_seed(seed)
    t = torch.from_numpy(load_mnist(batch))
    x = torch.clamp(t + NOISE_SIGMA * torch.randn(batch, 784, generator=g), 0.0, 1.0)
    params = []
    fan_in = 784
    for i, (units, _, _) in enumerate(layers):
        limit = math.sqrt(6.0 / (fan_in + units))
        w = (torch.rand(fan_in, units, generator=g) * 2.0 - 1.0) * limit
        if saturate and i == len(layers) - 1:
            b = saturating_bias(units, g)
        else:
            b = (torch.rand(units, generator=g) * 2.0 - 1.0) * BIAS_RANGE
        params += [w.float(), b.float()]
        fan_in = units
    return x.float(), t.float(), params


def activate(kind, alpha, z):
    if kind == "sigmoid":
        return torch.sigmoid(z)
    if kind == "tanh":
        return torch.tanh(z)
    if kind == "relu":
        return torch.relu(z)
    if kind == "leaky_relu":
        return F.leaky_relu(z, alpha)
    if kind == "elu":
        return F.elu(z, alpha)
    if kind == "linear":
        return z
    raise ValueError(kind)


def loss_and_grads(layers, loss, params, x, t, clipped=False):
    """Forward and backward at params; returns (loss, [grad per param]).
    clipped: binary cross-entropy on the probabilities, as Keras 2 computes
    it when no logits are at hand."""
    ps = [p.detach().clone().requires_grad_(True) for p in params]
    h = x
    for i, (_, act, alpha) in enumerate(layers):
        z = h @ ps[2 * i] + ps[2 * i + 1]
        last = i == len(layers) - 1
        if last and loss == "binary_crossentropy" and act == "sigmoid" and not clipped:
            # Keras takes the logits path: sigmoid_cross_entropy_with_logits,
            # whose gradient is exactly sigmoid(z) - t.
            val = F.binary_cross_entropy_with_logits(z, t, reduction="mean")
            break
        h = activate(act, alpha, z)
    else:
        if loss == "mse":
            val = F.mse_loss(h, t, reduction="mean")
        elif loss == "mae":
            val = F.l1_loss(h, t, reduction="mean")  # gradient sign(h - t), 0 at 0
        elif loss == "binary_crossentropy":
            # keras/backend.py: clip to [eps, 1-eps] (no gradient where the
            # clip bites, as tf.clip_by_value), then -(t log(p+eps) +
            # (1-t) log(1-p+eps)) with eps = 1e-7.
            eps = torch.tensor(1e-7, dtype=torch.float32).to(h.dtype)
            one = torch.tensor(1.0, dtype=h.dtype)
            p = torch.clamp(h, eps, one - eps)
            val = -(t * torch.log(p + eps) + (1 - t) * torch.log(1 - p + eps)).mean()
        else:
            raise ValueError(loss)
    grads = torch.autograd.grad(val, ps)
    return val.detach(), [g.detach() for g in grads]


class Optimizer:
    """Keras's update rules, applied in place to a list of tensors."""

    def __init__(self, cfg, params):
        self.cfg = cfg
        self.t = 0
        self.m = [torch.zeros_like(p) for p in params]
        self.v = [torch.zeros_like(p) for p in params]

    def step(self, params, grads):
        c = self.cfg
        dt = params[0].dtype
        self.t += 1
        if c["name"] == "adam":
            # alpha_t from the float32 hyperparameters, rounded once.
            b1, b2 = float(np.float32(c["beta1"])), float(np.float32(c["beta2"]))
            lr = float(np.float32(c["lr"]))
            alpha = lr * math.sqrt(1.0 - b2 ** self.t) / (1.0 - b1 ** self.t)
            alpha = torch.tensor(alpha, dtype=torch.float32).to(dt)
            c1 = torch.tensor(1.0, dtype=dt) - torch.tensor(c["beta1"], dtype=torch.float32).to(dt)
            c2 = torch.tensor(1.0, dtype=dt) - torch.tensor(c["beta2"], dtype=torch.float32).to(dt)
            eps = torch.tensor(c["epsilon"], dtype=torch.float32).to(dt)
            for p, g, m, v in zip(params, grads, self.m, self.v):
                m += (g - m) * c1
                v += (g * g - v) * c2
                p -= (m * alpha) / (torch.sqrt(v) + eps)
        elif c["name"] == "sgd":
            lr = torch.tensor(c["lr"], dtype=torch.float32).to(dt)
            mom = torch.tensor(c["momentum"], dtype=torch.float32).to(dt)
            for p, g, vel in zip(params, grads, self.m):
                vel.copy_(mom * vel - lr * g)
                if c["nesterov"]:
                    p += mom * vel - lr * g
                else:
                    p += vel
        elif c["name"] == "rmsprop":
            lr = torch.tensor(c["lr"], dtype=torch.float32).to(dt)
            rho = torch.tensor(c["rho"], dtype=torch.float32).to(dt)
            eps = torch.tensor(c["epsilon"], dtype=torch.float32).to(dt)
            for p, g, v in zip(params, grads, self.v):
                v.copy_(rho * v + (1 - rho) * (g * g))
                p -= lr * g / torch.sqrt(v + eps)
        else:
            raise ValueError(c["name"])


def run(layers, loss, opt_cfg, x, t, params0, dtype, clipped=False):
    x, t = x.to(dtype), t.to(dtype)
    params = [p.to(dtype).clone() for p in params0]
    out = {}
    opt = Optimizer(opt_cfg, params)
    losses = []
    for step in range(STEPS):
        val, grads = loss_and_grads(layers, loss, params, x, t)
        losses.append(val)
        if step == 0:
            out["loss"] = val.reshape(1)
            for i in range(len(layers)):
                out["grad.layers.%d.kernel" % i] = grads[2 * i]
                out["grad.layers.%d.bias" % i] = grads[2 * i + 1]
        with torch.no_grad():
            opt.step(params, grads)
        if step == 0:
            out["step1.loss"] = loss_and_grads(layers, loss, params, x, t)[0].reshape(1)
    out["losses"] = torch.stack(losses)
    for i in range(len(layers)):
        out["step3.layers.%d.kernel" % i] = params[2 * i]
        out["step3.layers.%d.bias" % i] = params[2 * i + 1]
    if clipped:
        params = [p.to(dtype).clone() for p in params0]
        val, grads = loss_and_grads(layers, loss, params, x, t, clipped=True)
        out["clipped.loss"] = val.reshape(1)
        for i in range(len(layers)):
            out["clipped.grad.layers.%d.kernel" % i] = grads[2 * i]
            out["clipped.grad.layers.%d.bias" % i] = grads[2 * i + 1]
    return out


def write_safetensors(path, tensors, metadata):
    """tensors: list of (name, array); float32, little-endian, in order."""
    header = {"__metadata__": metadata}
    blobs, off = [], 0
    for name, arr in tensors:
        a = np.ascontiguousarray(arr, dtype="<f4")
        header[name] = {"dtype": "F32", "shape": list(a.shape),
                        "data_offsets": [off, off + a.nbytes]}
        blobs.append(a.tobytes())
        off += a.nbytes
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for blob in blobs:
            f.write(blob)
    os.replace(tmp, path)


def max_rel(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-30))


def main():
    check = "--check" in sys.argv[1:]
    torch.manual_seed(0)  # nothing below uses the global generator
    torch.set_num_threads(1)  # one summation order
    total = 0
    for name, seed, layers, loss, opt_cfg, opts in FIXTURES:
        batch = opts.get("batch", B)
        saturate = opts.get("saturate", False)
        clipped = opts.get("clipped", False)
        x, t, params0 = make_inputs(seed, layers, batch, saturate)
        if saturate:
            z = x
            for i, (_, act, alpha) in enumerate(layers):
                z = z @ params0[2 * i] + params0[2 * i + 1]
                if i < len(layers) - 1:
                    z = activate(act, alpha, z)
            band = ((z.abs() >= 4) & (z.abs() <= 18)).sum().item()
            if band:
                sys.exit("%s: %d logits between 4 and 18 in magnitude" % (name, band))
        out = run(layers, loss, opt_cfg, x, t, params0, torch.float32, clipped)
        tensors = [("x", x), ("t", t)]
        for i in range(len(layers)):
            tensors += [("layers.%d.kernel" % i, params0[2 * i]),
                        ("layers.%d.bias" % i, params0[2 * i + 1])]
        tensors += [(k, v) for k, v in out.items()]
        arch = ",".join("dense %d %s%s" % (u, a, "(%g)" % al if a in ("elu", "leaky_relu") else "")
                        for u, a, al in layers)
        meta = {
            "model": name,
            "layers": "input 784," + arch,
            "loss": loss,
            "optimizer": ",".join("%s=%s" % kv for kv in opt_cfg.items()),
            "batch": str(batch), "steps": str(STEPS), "seed": str(seed),
            "data": "first %d MNIST training images /255; x = clip(t + %g N(0,1), 0, 1)"
                    % (batch, NOISE_SIGMA),
            "biases": "U[-%g, %g)%s (not Keras zeros, so the forward pass tests them)"
                      % (BIAS_RANGE, BIAS_RANGE, "; the last layer's saturate half the "
                         "outputs (see saturating_bias)" if saturate else ""),
            "made_by": "tests/reference/make_fixtures.py, torch %s, float32" % torch.__version__,
        }
        path = os.path.join(HERE, "%s_fixture.safetensors" % name)
        write_safetensors(path, [(k, v.detach().numpy()) for k, v in tensors], meta)
        size = os.path.getsize(path)
        total += size
        print("%s: %d bytes, loss %.9g, losses %s" % (
            path, size, out["loss"].item(),
            " ".join("%.9g" % v for v in out["losses"].tolist())))
        if check:
            ref = run(layers, loss, opt_cfg, x, t, params0, torch.float64, clipped)
            for k in out:
                print("   float32 vs float64 %-24s %.3g" % (k, max_rel(out[k].numpy(), ref[k].numpy())))
    print("total %d bytes" % total)


if __name__ == "__main__":
    main()
