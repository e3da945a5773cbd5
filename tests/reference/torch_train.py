#!/usr/bin/python3
"""PyTorch reference trainer for the article's two MNIST denoising autoencoders.

It follows TF2 Keras semantics exactly (docs: keras-semantics.md) so its
learning curves are the accuracy reference for daec, and it times itself for
the benchmark (scripts/bench).

    /usr/bin/python3 tests/reference/torch_train.py --model ff --epochs 50 \
        --csv tests/reference/torch_ff_50.csv

Semantics, all float32:
  * images / 255; noisy = clip(clean + 0.7*N(0,1), 0, 1), drawn once before
    training, train then test (separate draws); targets are the clean images.
  * glorot_uniform kernels with Keras fans (conv: 9*in, 9*out), zero biases.
  * loss: binary cross-entropy from the logits of the last layer (its sigmoid
    is folded into the loss, as Keras does), mean over every pixel.
  * Adam in Keras's epsilon-hat form, lr 1e-3, b1 0.9, b2 0.999, eps 1e-7,
    t counted over the whole run.
  * each epoch: fresh permutation, batches of --batch, last partial batch kept;
    loss = sum_b B_b*L_b / N with L_b taken before that batch's update
    (float32 accumulation as Keras's Mean metric); val_loss = evaluation of
    the whole test split with the end-of-epoch weights, same weighted mean.
  * conv: NHWC semantics (channels_last memory), conv 3x3 'same' = padding 1,
    maxpool 2x2, conv2d_transpose stride 2 'same' computed as TF's
    Conv2DBackpropInput: ConvTranspose2d(padding=0) then keep the first 2*in
    rows and columns (--convt slice), or by default the same function as a
    polyphase 2x2 conv2d + pixel_shuffle (--convt polyphase, faster).

Timing: seconds per epoch = wall time of the epoch's training plus its
validation; loading data, noise and the final PSNR are outside it.

--bench prints only one line at the end: "TORCH_EPOCH_SECONDS <mean>", the
mean over the epochs after the first --warmup ones (default 0: all epochs).
"""

import argparse
import gzip
import math
import os
import struct
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

LR, BETA1, BETA2, EPS = 1e-3, 0.9, 0.999, 1e-7
SIGMA = 0.7


def die(msg):
    sys.stderr.write("torch_train: %s\n" % msg)
    sys.exit(1)


def load_idx_images(data_dir, stem):
    """Reads STEM or STEM.gz from data_dir: IDX3 uint8 -> float32 [N,784] / 255."""
    path = os.path.join(data_dir, stem)
    if os.path.exists(path):
        with open(path, "rb") as f:
            raw = f.read()
    elif os.path.exists(path + ".gz"):
        with gzip.open(path + ".gz", "rb") as f:
            raw = f.read()
    else:
        die("missing %s (or .gz); run `make data` to fetch MNIST" % path)
    if len(raw) < 16:
        die("%s: truncated IDX header" % path)
    magic, n, rows, cols = struct.unpack(">IIII", raw[:16])
    if magic != 0x00000803:
        die("%s: bad IDX magic 0x%08x (want 0x00000803)" % (path, magic))
    if len(raw) != 16 + n * rows * cols:
        die("%s: size %d does not match header %dx%dx%d" % (path, len(raw), n, rows, cols))
    if rows != 28 or cols != 28:
        die("%s: images are %dx%d, the models want 28x28" % (path, rows, cols))
    pix = np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(n, rows * cols)
    return torch.from_numpy(pix.astype(np.float32) / np.float32(255.0))


def glorot_uniform(shape, fan_in, fan_out, gen):
    limit = math.sqrt(6.0 / (fan_in + fan_out))
    return ((torch.rand(shape, generator=gen, dtype=torch.float32) * 2.0 - 1.0) * limit).contiguous()


# ---------------------------------------------------------------- models ----

FF_UNITS = [784, 500, 300, 100, 16, 100, 300, 500, 784]
FF_ACTS = ["sigmoid", "sigmoid", "sigmoid", "tanh", "sigmoid", "sigmoid", "sigmoid", None]


def make_ff(gen):
    params = []
    for i in range(len(FF_UNITS) - 1):
        fin, fout = FF_UNITS[i], FF_UNITS[i + 1]
        # torch layout [out, in] (Keras stores [in, out]); fans are the same.
        params.append(glorot_uniform((fout, fin), fin, fout, gen))
        params.append(torch.zeros(fout, dtype=torch.float32))
    return params


def ff_forward(params, x):
    """x: [B,784] -> logits [B,784]."""
    h = x
    for i, act in enumerate(FF_ACTS):
        h = torch.addmm(params[2 * i + 1], h, params[2 * i].t())
        if act == "sigmoid":
            h = torch.sigmoid(h)
        elif act == "tanh":
            h = torch.tanh(h)
    return h


def make_conv(gen):
    cl = torch.channels_last

    def conv_w(cout, cin):  # torch Conv2d weight [out,in,kh,kw]
        return glorot_uniform((cout, cin, 3, 3), 9 * cin, 9 * cout, gen).contiguous(memory_format=cl)

    def convt_w(cin, cout):  # torch ConvTranspose2d weight [in,out,kh,kw]
        return glorot_uniform((cin, cout, 3, 3), 9 * cout, 9 * cin, gen).contiguous(memory_format=cl)

    z = lambda n: torch.zeros(n, dtype=torch.float32)
    return [conv_w(64, 1), z(64), conv_w(64, 64), z(64),
            convt_w(64, 64), z(64), convt_w(64, 64), z(64),
            conv_w(1, 64), z(1)]


def convt_slice(h, w, b):
    """TF Conv2DTranspose(k=3, strides=2, 'same'): out[p] gets in[i]*W[k] for
    2i+k = p, p < 2*in (pad 0 before, 1 after).  Literal form: torch's
    ConvTranspose2d with padding 0 gives 2*in+1 rows; keep the first 2*in.
    (torch 1.13 runs this through its slow im2col path, not oneDNN.)"""
    n, c, hh, ww = h.shape
    y = F.conv_transpose2d(h, w, b, stride=2, padding=0)  # 2*in + 1
    return y[:, :, : 2 * hh, : 2 * ww]


# Polyphase taps: output phase r (p = 2a+r) over the input padded by one row
# at the top, window rows u in {0,1} (input rows a-1, a):
#   r=0: u=0 -> W[2], u=1 -> W[0];   r=1: u=0 -> none (index 3 = zero), u=1 -> W[1].
_PHASE_TAPS = torch.tensor([[2, 0], [3, 1]])


def convt_polyphase(h, w, b):
    """The same function as convt_slice, computed as one stride-1 2x2 conv2d
    (oneDNN) with 4*out channels, one per output phase (r,s), over the input
    padded by 1 at top/left, then pixel_shuffle(2).  Agrees with convt_slice
    to float32 rounding; ~18% faster per conv training step here (2 threads)."""
    cin, cout = w.shape[0], w.shape[1]
    wz = F.pad(w.permute(1, 0, 2, 3), (0, 1, 0, 1))           # [out,in,4,4], tap 3 = 0
    t = _PHASE_TAPS
    k = wz[:, :, t[:, None, :, None], t[None, :, None, :]]     # [out,in,r,s,u,v]
    k = k.permute(0, 2, 3, 1, 4, 5).reshape(4 * cout, cin, 2, 2)
    y = F.conv2d(F.pad(h, (1, 0, 1, 0)), k, b.repeat_interleave(4))
    return F.pixel_shuffle(y, 2)                               # channel o*4+2r+s -> (o, 2a+r, 2b+s)


conv_transpose_same_s2 = convt_polyphase


def conv_forward(params, x):
    """x: [B,784] -> logits [B,784]; NHWC semantics via channels_last."""
    b = x.shape[0]
    h = x.view(b, 1, 28, 28).contiguous(memory_format=torch.channels_last)
    h = torch.relu(F.conv2d(h, params[0], params[1], padding=1))
    h = F.max_pool2d(h, 2)                                  # 28 -> 14
    h = torch.relu(F.conv2d(h, params[2], params[3], padding=1))
    h = F.max_pool2d(h, 2)                                  # 14 -> 7
    ct = conv_transpose_same_s2
    h = torch.relu(ct(h, params[4], params[5]))             # 7 -> 14
    h = torch.relu(ct(h, params[6], params[7]))             # 14 -> 28
    h = F.conv2d(h, params[8], params[9], padding=1)        # logits, 1 channel
    return h.reshape(b, 784)


MODELS = {"ff": (make_ff, ff_forward), "conv": (make_conv, conv_forward)}


# ------------------------------------------------------------------ Adam ----

class KerasAdam:
    """Keras Adam (epsilon-hat form), t counted over the whole run."""

    def __init__(self, params):
        self.params = params
        self.m = [torch.zeros_like(p) for p in params]
        self.v = [torch.zeros_like(p) for p in params]
        self.t = 0
        self.foreach = all(hasattr(torch, n) for n in (
            "_foreach_mul_", "_foreach_add_", "_foreach_addcmul_",
            "_foreach_sqrt", "_foreach_addcdiv_"))

    @torch.no_grad()
    def step(self, grads):
        self.t += 1
        t = self.t
        # Keras computes these in float32.
        b1t = np.float32(BETA1) ** np.float32(t)
        b2t = np.float32(BETA2) ** np.float32(t)
        alpha = float(np.float32(LR) * np.sqrt(np.float32(1) - b2t) / (np.float32(1) - b1t))
        if self.foreach:
            # m = b1*m + (1-b1)*g  ==  m + (1-b1)*(g-m)
            torch._foreach_mul_(self.m, BETA1)
            torch._foreach_add_(self.m, grads, alpha=1.0 - BETA1)
            torch._foreach_mul_(self.v, BETA2)
            torch._foreach_addcmul_(self.v, grads, grads, value=1.0 - BETA2)
            den = torch._foreach_sqrt(self.v)
            torch._foreach_add_(den, EPS)
            torch._foreach_addcdiv_(self.params, self.m, den, value=-alpha)
        else:
            for p, g, m, v in zip(self.params, grads, self.m, self.v):
                m.mul_(BETA1).add_(g, alpha=1.0 - BETA1)
                v.mul_(BETA2).addcmul_(g, g, value=1.0 - BETA2)
                p.addcdiv_(m, v.sqrt().add_(EPS), value=-alpha)


# ------------------------------------------------------------- training ----

def bce_logits(logits, target):
    # max(x,0) - x*z + log1p(exp(-|x|)), mean over all B*784; grad (sigmoid(x)-z)/(B*784)
    return F.binary_cross_entropy_with_logits(logits, target, reduction="mean")


@torch.no_grad()
def evaluate(forward, params, xs, ys, batch):
    total, count = np.float32(0), np.float32(0)
    for s in range(0, xs.shape[0], batch):
        xb, yb = xs[s:s + batch], ys[s:s + batch]
        nb = np.float32(xb.shape[0])
        total += nb * np.float32(bce_logits(forward(params, xb), yb).item())
        count += nb
    return float(total / count)


@torch.no_grad()
def psnr_pair(forward, params, noisy, clean, batch):
    """PSNR over the whole set, 10*log10(1/MSE) with MSE over every pixel of
    every image, for the noisy input and the denoised output (both vs clean);
    then, for information only, the mean of the per-image PSNRs."""
    se_noisy, se_out, img_noisy, img_out = 0.0, 0.0, 0.0, 0.0
    for s in range(0, noisy.shape[0], batch):
        xb, yb = noisy[s:s + batch].double(), clean[s:s + batch].double()
        out = torch.sigmoid(forward(params, noisy[s:s + batch])).double()
        en, eo = ((xb - yb) ** 2).mean(1), ((out - yb) ** 2).mean(1)
        se_noisy += float(en.sum())
        se_out += float(eo.sum())
        img_noisy += float((-10.0 * torch.log10(en)).sum())
        img_out += float((-10.0 * torch.log10(eo)).sum())
    n = noisy.shape[0]
    return (10.0 * math.log10(n / se_noisy), 10.0 * math.log10(n / se_out),
            img_noisy / n, img_out / n)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", choices=sorted(MODELS), default="ff")
    ap.add_argument("--epochs", type=int, default=50)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--data", default=os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "data", "mnist"))
    ap.add_argument("--limit", type=int, default=0, help="use only the first N training images")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=0, help="torch.set_num_threads (0: torch default)")
    ap.add_argument("--csv", help="write epoch,loss,val_loss,seconds rows")
    ap.add_argument("--quiet", action="store_true", help="no per-epoch lines")
    ap.add_argument("--bench", action="store_true",
                    help="print only 'TORCH_EPOCH_SECONDS <mean>' at the end")
    ap.add_argument("--warmup", type=int, default=0,
                    help="with --bench: epochs left out of the mean")
    ap.add_argument("--convt", choices=["polyphase", "slice"], default="polyphase",
                    help="conv2d_transpose implementation (same function; polyphase is faster)")
    a = ap.parse_args()
    if a.epochs < 1 or a.batch < 1 or a.limit < 0 or a.threads < 0 or a.warmup < 0:
        die("epochs and batch must be >= 1; limit, threads and warmup >= 0")
    if a.bench and a.warmup >= a.epochs:
        die("--warmup must be smaller than --epochs")
    if a.threads:
        torch.set_num_threads(a.threads)
    global conv_transpose_same_s2
    conv_transpose_same_s2 = convt_slice if a.convt == "slice" else convt_polyphase
    quiet = a.quiet or a.bench

    train_clean = load_idx_images(a.data, "train-images-idx3-ubyte")
    test_clean = load_idx_images(a.data, "t10k-images-idx3-ubyte")
    if a.limit:
        train_clean = train_clean[:a.limit].contiguous()
    n_train = train_clean.shape[0]

    gen = torch.Generator().manual_seed(a.seed)
    make, forward = MODELS[a.model]
    params = make(gen)
    train_noisy = (train_clean + SIGMA * torch.randn(train_clean.shape, generator=gen)).clamp_(0, 1)
    test_noisy = (test_clean + SIGMA * torch.randn(test_clean.shape, generator=gen)).clamp_(0, 1)
    for p in params:
        p.requires_grad_(True)
    opt = KerasAdam(params)

    if not quiet:
        print("model %s  params %d  train %d  test %d  batch %d  threads %d" % (
            a.model, sum(p.numel() for p in params), n_train, test_clean.shape[0],
            a.batch, torch.get_num_threads()), flush=True)

    rows = []
    for epoch in range(1, a.epochs + 1):
        t0 = time.perf_counter()
        perm = torch.randperm(n_train, generator=gen)
        total, count = np.float32(0), np.float32(0)
        for s in range(0, n_train, a.batch):
            idx = perm[s:s + a.batch]
            xb = train_noisy.index_select(0, idx)
            yb = train_clean.index_select(0, idx)
            loss = bce_logits(forward(params, xb), yb)
            grads = torch.autograd.grad(loss, params)
            nb = np.float32(idx.shape[0])
            total += nb * np.float32(loss.item())
            count += nb
            opt.step(list(grads))
        train_loss = float(total / count)
        val_loss = evaluate(forward, params, test_noisy, test_clean, a.batch)
        secs = time.perf_counter() - t0
        rows.append((epoch, train_loss, val_loss, secs))
        if not quiet:
            print("epoch %d/%d  loss %.4f  val_loss %.4f  %.1fs" % (
                epoch, a.epochs, train_loss, val_loss, secs), flush=True)
        if a.csv:  # rewritten every epoch so a long run can be watched
            with open(a.csv + ".tmp", "w") as f:
                f.write("epoch,loss,val_loss,seconds\n")
                for r in rows:
                    f.write("%d,%.9g,%.9g,%.9g\n" % r)
            os.replace(a.csv + ".tmp", a.csv)

    if a.bench:
        meas = [r[3] for r in rows[a.warmup:]]
        print("TORCH_EPOCH_SECONDS %.6f" % (sum(meas) / len(meas)), flush=True)
        return
    p_noisy, p_out, i_noisy, i_out = psnr_pair(forward, params, test_noisy, test_clean, a.batch)
    if not a.quiet:
        print("test PSNR  noisy %.2f dB  denoised %.2f dB"
              "  (mean of per-image PSNRs: noisy %.2f dB  denoised %.2f dB)" % (
                  p_noisy, p_out, i_noisy, i_out), flush=True)
    else:
        print("psnr_noisy %.4f psnr_denoised %.4f" % (p_noisy, p_out), flush=True)


if __name__ == "__main__":
    main()
