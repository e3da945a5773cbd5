#!/usr/bin/python3
"""Writes the PyTorch reference fixtures for convolutional models, with
TensorFlow/Keras semantics (docs: keras-semantics.md), in the same form as
tests/reference/make_fixtures.py writes the dense ones.

Run from the repository root with Debian's Python (it has torch and numpy):

    /usr/bin/python3 tests/reference/make_conv_fixtures.py [--check]

The two models, in the .dae language (copy them into specs as they are):

conv: the article's convolutional autoencoder (= specs/conv.dae), B = 8.

    model conv {
        input 28x28x1;
        encoder {
            conv2d 64, kernel=3x3, activation=relu, padding=same;            # layers.0 [3,3,1,64]   28x28x64
            maxpool 2x2, padding=same;                                      #                       14x14x64
            conv2d 64, kernel=3x3, activation=relu, padding=same;            # layers.1 [3,3,64,64]  14x14x64
            maxpool 2x2, padding=same;                                      #                       7x7x64
        }
        decoder {
            conv2d_transpose 64, kernel=3x3, strides=2, activation=relu, padding=same;  # layers.2 [3,3,64,64] 14x14x64
            conv2d_transpose 64, kernel=3x3, strides=2, activation=relu, padding=same;  # layers.3 [3,3,64,64] 28x28x64
            conv2d 1, kernel=3x3, activation=sigmoid, padding=same;          # layers.4 [3,3,64,1]   28x28x1
        }
    }

conv_odd: a small model for TensorFlow's odd-size and strided corner cases,
B = 8. Input: 7x7 thumbnails (means of 4x4 blocks) of the same MNIST images.

    model conv_odd {
        input 7x7x1;
        encoder {
            conv2d 4, kernel=4x4, strides=2, activation=relu, padding=same;  # layers.0 [4,4,1,4]   4x4x4  pads 1 before, 2 after
            conv2d 5, kernel=2x2, activation=tanh, padding=valid;            # layers.1 [2,2,4,5]   3x3x5
            maxpool 2x2, padding=same;                                      #                      2x2x5  pad 0/1; tanh < 0 occurs, so -inf padding matters
        }
        decoder {
            upsample 2x2;                                                   #                      4x4x5
            conv2d_transpose 3, kernel=5x5, strides=2, activation=relu, padding=same;   # layers.2 [5,5,3,5] 8x8x3  crop 1 before, 2 after
            conv2d 6, kernel=3x3, strides=2, activation=relu, padding=valid; # layers.3 [3,3,3,6]   3x3x6  (row/col 7 unused)
            conv2d_transpose 1, kernel=3x3, strides=2, activation=sigmoid, padding=valid; # layers.4 [3,3,1,6] 7x7x1
        }
    }

  Why these layers: the 4x4 stride-2 'same' conv on 7 pads 1 before and 2
  after (catches extra padding put top/left, or split symmetrically); the
  'same' maxpool on 3 pads only the bottom/right and its last window holds
  one valid row/column, and tanh outputs can be negative, so a pool padded
  with 0 instead of -inf gives different results; the 5x5 stride-2 'same'
  transpose keeps rows p = 2i + kh - 1 (pad_before = floor(3/2) = 1), which
  catches cropping from 0, ceil instead of floor and PyTorch's symmetric
  padding=(k-1)/2; the 'valid' stride-2 conv on 8 never reads the last
  row/column; the last layer is a 'valid' transpose, 3 -> 3*2+1 = 7, with
  sigmoid, so the loss is still BCE from its logits.

Semantics (keras-semantics.md), all float32:
  * NHWC data; conv kernels in Keras layouts: conv2d [kh,kw,in,out],
    conv2d_transpose [kh,kw,out,in]; biases [out]. Cross-correlation.
  * 'same' (conv2d and maxpool): out = ceil(n/s), P = max(0, (out-1)*s+k-n),
    pad_before = floor(P/2), the rest after. Done here with F.pad and a
    'valid' torch conv/pool; maxpool pads with -inf (padding never wins).
  * conv2d_transpose = TF Conv2DBackpropInput: out = n*s ('same') or
    n*s + max(k-s, 0) ('valid'); out[p] += in[i]*W[k] for p = i*s + k -
    pad_before, 0 <= p < out, pad_before that of the forward conv from out
    to n (0 for 'valid'). Done as ConvTranspose2d(padding=0), then zero-pad
    the end if needed and crop [pad_before, pad_before+out).
  * upsample = nearest neighbour (repeat_interleave), as UpSampling2D.
  * glorot_uniform kernels with Keras fans: rf = kh*kw, fan_in = rf*shape[-2],
    fan_out = rf*shape[-1] (for the transpose these are rf*out and rf*in);
    biases U[-0.05, 0.05) (not Keras zeros, so the forward pass tests them).
  * loss: binary cross-entropy from the logits of the last (sigmoid) layer,
    the mean over all B*H*W*1 elements; Adam in Keras's epsilon-hat form,
    lr 1e-3, b1 0.9, b2 0.999, eps 1e-7, written by hand (make_fixtures.py's
    Optimizer, the same code that made ff_fixture).

Each fixture (tests/reference/NAME_fixture.safetensors) holds the tensors of
make_fixtures.py's fixtures, in the same order and with the same names:
    x [B,H,W,1]                   the noisy input, clip(t + 0.7 N(0,1), 0, 1)
    t [B,H,W,1]                   the clean target
    layers.I.kernel, .bias        the initial weights (I counts layers with
                                  parameters from 0; Keras layouts)
    loss [1]                      the loss at the initial weights
    grad.layers.I.kernel, .bias   its gradient
    step1.loss [1]                the loss after one Adam step
    losses [3]                    the loss before each of three Adam steps on
                                  the same batch
    step3.layers.I.kernel, .bias  the weights after the three steps
and in __metadata__ the model (its .dae text under "spec"), loss, optimizer
and how it was made. x and t are NHWC, [B,28,28,1] for conv: the same bytes
as [B,784].

--check first verifies the building blocks on random data, in float64:
  1. conv2d, maxpool, upsample and conv2d_transpose (torch, as used for the
     fixtures) against direct numpy loops of the formulas in
     keras-semantics.md section 2;
  2. the adjoint identity <conv2d(u), v> = <u, conv2d_transpose(v)> for the
     same kernel array, strides and padding;
  3. the conv model's forward pass against tests/reference/torch_train.py's
     conv_forward (both its transpose implementations);
  4. autograd against central differences for conv_odd's loss;
  5. that max-pool gradients go to the first maximum in row-major order on
     exact ties (TF's CPU kernel), for both memory layouts used here;
then, like make_fixtures.py, repeats each fixture in float64 and prints the
largest relative difference per tensor (float32's noise floor); a fixture
whose float32 and float64 runs differ by more than COND_TOL fails: a ReLU
input within rounding of 0 (or a max-pool near-tie) flips between them, and a
correct C implementation could miss such a fixture by 1e-4. Any failed
verification exits with status 1.

Seeds: chosen so that every tensor's float32 and float64 runs agree to
float32 rounding (about 1 in 8 seeds of the conv model does not: relative
differences up to 2e-3), and, for conv_odd, so that no ReLU unit is dead on
the whole batch (every gradient entry nonzero). The conv model's first
max-pool has exact ties between equal positive values (pixels whose 3x3
neighbourhood of the clipped input is all zeros give exactly relu(bias));
they do not change its gradients, since those pixels' inputs are zero.
"""

import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_fixtures as mf  # noqa: E402  (its writer, MNIST reader, Adam, max_rel)

B = 8
NOISE_SIGMA = 0.7
BIAS_RANGE = 0.05
STEPS = 3
COND_TOL = 1e-5  # largest allowed float32-vs-float64 relative difference
ADAM = dict(name="adam", lr=1e-3, beta1=0.9, beta2=0.999, epsilon=1e-7)


# ------------------------------------------------------------ the models ----
# Each layer: (kind, args). Convs: filters, kernel (kh,kw), strides (sh,sw),
# padding, activation. maxpool: pool, strides, padding. upsample: factor.
# ENCODER_LEN: how many layers the encoder block holds (for the .dae text).

def conv2d(filters, kernel, strides=1, padding="valid", activation="linear"):
    return ("conv2d", dict(filters=filters, kernel=_pair(kernel), strides=_pair(strides),
                           padding=padding, activation=activation))


def conv2d_transpose(filters, kernel, strides=1, padding="valid", activation="linear"):
    return ("conv2d_transpose", dict(filters=filters, kernel=_pair(kernel),
                                     strides=_pair(strides), padding=padding,
                                     activation=activation))


def maxpool(pool, strides=None, padding="valid"):
    return ("maxpool", dict(pool=_pair(pool), strides=_pair(strides or pool), padding=padding))


def upsample(factor):
    return ("upsample", dict(factor=_pair(factor)))


def _pair(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v, v)


# name, seed, input (H,W,C), encoder layers, decoder layers
FIXTURES = [
    ("conv", 22, (28, 28, 1),
     [conv2d(64, 3, activation="relu", padding="same"),
      maxpool(2, padding="same"),
      conv2d(64, 3, activation="relu", padding="same"),
      maxpool(2, padding="same")],
     [conv2d_transpose(64, 3, strides=2, activation="relu", padding="same"),
      conv2d_transpose(64, 3, strides=2, activation="relu", padding="same"),
      conv2d(1, 3, activation="sigmoid", padding="same")]),
    ("conv_odd", 45, (7, 7, 1),
     [conv2d(4, 4, strides=2, activation="relu", padding="same"),
      conv2d(5, 2, activation="tanh", padding="valid"),
      maxpool(2, padding="same")],
     [upsample(2),
      conv2d_transpose(3, 5, strides=2, activation="relu", padding="same"),
      conv2d(6, 3, strides=2, activation="relu", padding="valid"),
      conv2d_transpose(1, 3, strides=2, activation="sigmoid", padding="valid")]),
]


def dae_statement(kind, a):
    dim = lambda p: "%dx%d" % p
    if kind in ("conv2d", "conv2d_transpose"):
        s = "%s %d, kernel=%s" % (kind, a["filters"], dim(a["kernel"]))
        if a["strides"] != (1, 1):
            s += ", strides=%s" % (a["strides"][0] if a["strides"][0] == a["strides"][1]
                                   else dim(a["strides"]))
        return s + ", activation=%s, padding=%s;" % (a["activation"], a["padding"])
    if kind == "maxpool":
        s = "maxpool %s" % dim(a["pool"])
        if a["strides"] != a["pool"]:
            s += ", strides=%s" % dim(a["strides"])
        return s + ", padding=%s;" % a["padding"]
    if kind == "upsample":
        return "upsample %s;" % dim(a["factor"])
    raise ValueError(kind)


def dae_model(name, shape, enc, dec):
    lines = ["model %s {" % name, "    input %dx%dx%d;" % shape, "    encoder {"]
    lines += ["        " + dae_statement(k, a) for k, a in enc]
    lines += ["    }", "    decoder {"]
    lines += ["        " + dae_statement(k, a) for k, a in dec]
    lines += ["    }", "}"]
    return "\n".join(lines) + "\n"


# ----------------------------------------------- TensorFlow's arithmetic ----

def same_pads(n, k, s):
    """TF 'SAME' (GetWindowedOutputSizeVerbose): (out, pad_before, pad_after)."""
    out = -(-n // s)
    p = max(0, (out - 1) * s + k - n)
    return out, p // 2, p - p // 2


def conv_out(n, k, s, padding):
    return same_pads(n, k, s)[0] if padding == "same" else (n - k) // s + 1


def convt_out(n, k, s, padding):
    """keras deconv_output_length with output_padding None."""
    return n * s if padding == "same" else n * s + max(k - s, 0)


def convt_pad_before(n, out, k, s, padding):
    """pad_before of the forward conv out -> n whose input gradient the
    transpose is (ConvBackpropExtractAndVerifyDimensionV2)."""
    if conv_out(out, k, s, padding) != n:
        raise ValueError("conv2d_transpose: %d -> %d does not invert" % (n, out))
    return same_pads(out, k, s)[1] if padding == "same" else 0


# torch implementations (NCHW tensors; kernels in Keras layouts)

def tf_conv2d(x, K, b, strides, padding):
    """x [N,C,H,W], K [kh,kw,in,out] (Keras), b [out] or None."""
    kh, kw = K.shape[0], K.shape[1]
    (sh, sw), (H, W) = strides, x.shape[2:]
    if padding == "same":
        oh, pt, pb = same_pads(H, kh, sh)
        ow, pl, pr = same_pads(W, kw, sw)
        x = F.pad(x, (pl, pr, pt, pb))
    else:
        oh, ow = conv_out(H, kh, sh, "valid"), conv_out(W, kw, sw, "valid")
    y = F.conv2d(x, K.permute(3, 2, 0, 1), b, stride=(sh, sw))
    assert tuple(y.shape[2:]) == (oh, ow), (tuple(y.shape), oh, ow)
    return y


def tf_maxpool(x, pool, strides, padding):
    (ph, pw), (sh, sw), (H, W) = pool, strides, x.shape[2:]
    if padding == "same":
        oh, pt, pb = same_pads(H, ph, sh)
        ow, pl, pr = same_pads(W, pw, sw)
        x = F.pad(x, (pl, pr, pt, pb), value=-math.inf)  # padded cells never win
    else:
        oh, ow = conv_out(H, ph, sh, "valid"), conv_out(W, pw, sw, "valid")
    y = F.max_pool2d(x, (ph, pw), (sh, sw))
    assert tuple(y.shape[2:]) == (oh, ow), (tuple(y.shape), oh, ow)
    return y


def tf_upsample(x, factor):
    return x.repeat_interleave(factor[0], dim=2).repeat_interleave(factor[1], dim=3)


def tf_conv2d_transpose(x, K, b, strides, padding):
    """x [N,C,H,W], K [kh,kw,out,in] (Keras), b [out] or None. TF's
    Conv2DBackpropInput: ConvTranspose2d with padding 0 puts in[i]*W[k] at
    q = i*s + k (size (n-1)*s + k); TF's row p is q - pad_before."""
    kh, kw = K.shape[0], K.shape[1]
    (sh, sw), (H, W) = strides, x.shape[2:]
    oh, ow = convt_out(H, kh, sh, padding), convt_out(W, kw, sw, padding)
    pt = convt_pad_before(H, oh, kh, sh, padding)
    pl = convt_pad_before(W, ow, kw, sw, padding)
    y = F.conv_transpose2d(x, K.permute(3, 2, 0, 1), None, stride=(sh, sw))
    fh, fw = y.shape[2:]
    if fh < pt + oh or fw < pl + ow:  # k < s, 'valid': the last rows get nothing
        y = F.pad(y, (0, max(0, pl + ow - fw), 0, max(0, pt + oh - fh)))
    y = y[:, :, pt:pt + oh, pl:pl + ow]
    if b is not None:
        y = y + b.view(1, -1, 1, 1)
    return y


def activate(kind, z):
    if kind == "relu":
        return torch.relu(z)
    if kind == "sigmoid":
        return torch.sigmoid(z)
    if kind == "tanh":
        return torch.tanh(z)
    if kind == "linear":
        return z
    raise ValueError(kind)


# ------------------------------------------------------- fixture helpers ----

def shapes_of(shape, layers):
    """The output (H,W,C) of every layer, and for each layer with parameters
    its Keras kernel shape and bias size."""
    h, w, c = shape
    outs, params = [], []
    for kind, a in layers:
        if kind == "conv2d":
            (kh, kw), (sh, sw) = a["kernel"], a["strides"]
            params.append(((kh, kw, c, a["filters"]), a["filters"]))
            h, w, c = (conv_out(h, kh, sh, a["padding"]), conv_out(w, kw, sw, a["padding"]),
                       a["filters"])
        elif kind == "conv2d_transpose":
            (kh, kw), (sh, sw) = a["kernel"], a["strides"]
            params.append(((kh, kw, a["filters"], c), a["filters"]))
            h, w, c = (convt_out(h, kh, sh, a["padding"]), convt_out(w, kw, sw, a["padding"]),
                       a["filters"])
        elif kind == "maxpool":
            (ph, pw), (sh, sw) = a["pool"], a["strides"]
            h, w = conv_out(h, ph, sh, a["padding"]), conv_out(w, pw, sw, a["padding"])
        elif kind == "upsample":
            h, w = h * a["factor"][0], w * a["factor"][1]
        else:
            raise ValueError(kind)
        outs.append((h, w, c))
    return outs, params


def load_images(shape, batch):
    t = mf.load_mnist(batch).reshape(batch, 28, 28)
    h, w, _ = shape
    if (h, w) != (28, 28):  # thumbnails: means of (28/h)x(28/w) blocks
        t = t.reshape(batch, h, 28 // h, w, 28 // w).mean(axis=(2, 4), dtype=np.float32)
    return torch.from_numpy(np.ascontiguousarray(t, dtype=np.float32)).reshape(batch, h, w, 1)


def make_inputs(seed, shape, layers, batch=B):
    """The batch (NHWC) and the initial weights (Keras layouts), float32,
    drawn from one generator: the noise, then per layer its kernel, then its
    bias."""
    g = torch.Generator().manual_seed(seed)
    t = load_images(shape, batch)
    x = torch.clamp(t + NOISE_SIGMA * torch.randn(t.shape, generator=g), 0.0, 1.0)
    params = []
    for ks, nb in shapes_of(shape, layers)[1]:
        rf = ks[0] * ks[1]
        limit = math.sqrt(6.0 / (rf * ks[2] + rf * ks[3]))  # Keras _compute_fans
        w = (torch.rand(ks, generator=g) * 2.0 - 1.0) * limit
        b = (torch.rand(nb, generator=g) * 2.0 - 1.0) * BIAS_RANGE
        params += [w.float(), b.float()]
    return x.float(), t.float(), params


def forward(layers, params, x):
    """x NHWC -> the logits of the last layer (before its sigmoid), NHWC."""
    h = x.permute(0, 3, 1, 2)
    pi = 0
    for idx, (kind, a) in enumerate(layers):
        last = idx == len(layers) - 1
        if kind in ("conv2d", "conv2d_transpose"):
            op = tf_conv2d if kind == "conv2d" else tf_conv2d_transpose
            h = op(h, params[pi], params[pi + 1], a["strides"], a["padding"])
            pi += 2
            if not last:
                h = activate(a["activation"], h)
        elif kind == "maxpool":
            h = tf_maxpool(h, a["pool"], a["strides"], a["padding"])
        elif kind == "upsample":
            h = tf_upsample(h, a["factor"])
        if last and not (kind in ("conv2d", "conv2d_transpose") and a["activation"] == "sigmoid"):
            raise ValueError("the last layer must be a conv with sigmoid (BCE from logits)")
    return h.permute(0, 2, 3, 1)


def loss_and_grads(layers, params, x, t):
    ps = [p.detach().clone().requires_grad_(True) for p in params]
    z = forward(layers, ps, x)
    # Keras: sigmoid_cross_entropy_with_logits, mean over all B*H*W*1
    # elements; gradient (sigmoid(z) - t) / count.
    val = F.binary_cross_entropy_with_logits(z, t, reduction="mean")
    grads = torch.autograd.grad(val, ps)
    return val.detach(), [g.detach() for g in grads]


def run(layers, x, t, params0, dtype):
    x, t = x.to(dtype), t.to(dtype)
    params = [p.to(dtype).clone() for p in params0]
    n = len(params) // 2
    out = {}
    opt = mf.Optimizer(ADAM, params)
    losses = []
    for step in range(STEPS):
        val, grads = loss_and_grads(layers, params, x, t)
        losses.append(val)
        if step == 0:
            out["loss"] = val.reshape(1)
            for i in range(n):
                out["grad.layers.%d.kernel" % i] = grads[2 * i]
                out["grad.layers.%d.bias" % i] = grads[2 * i + 1]
        with torch.no_grad():
            opt.step(params, grads)
        if step == 0:
            out["step1.loss"] = loss_and_grads(layers, params, x, t)[0].reshape(1)
    out["losses"] = torch.stack(losses)
    for i in range(n):
        out["step3.layers.%d.kernel" % i] = params[2 * i]
        out["step3.layers.%d.bias" % i] = params[2 * i + 1]
    return out


# ----------------------------------------------------------- --check -----
# Direct numpy loops of keras-semantics.md section 2 (NHWC, float64). They
# compute TF's sizes and paddings themselves, from the formulas.

def np_same(n, k, s):
    out = -(-n // s)
    p = max(0, (out - 1) * s + k - n)
    return out, p // 2


def np_conv2d(x, K, b, strides, padding):
    """out[n,y,x,o] = b[o] + sum in[n, y*s+dy-pt, x*s+dx-pl, c] W[dy,dx,c,o]."""
    N, H, W, _ = x.shape
    kh, kw, _, O = K.shape
    (sh, sw) = strides
    if padding == "same":
        (oh, pt), (ow, pl) = np_same(H, kh, sh), np_same(W, kw, sw)
    else:
        oh, ow, pt, pl = (H - kh) // sh + 1, (W - kw) // sw + 1, 0, 0
    out = np.zeros((N, oh, ow, O)) + b
    for y in range(oh):
        for xx in range(ow):
            for dy in range(kh):
                for dx in range(kw):
                    iy, ix = y * sh + dy - pt, xx * sw + dx - pl
                    if 0 <= iy < H and 0 <= ix < W:
                        out[:, y, xx, :] += x[:, iy, ix, :] @ K[dy, dx]
    return out


def np_conv2d_transpose(x, K, b, strides, padding):
    """out[n,p,q,o] = b[o] + sum_{i*s+kh-pt = p, j*s+kw-pl = q} in[n,i,j,c] W[kh,kw,o,c],
    out = n*s ('same') or n*s + max(k-s,0) ('valid'); pt = pad_before of the
    forward conv from out to n."""
    N, H, W, _ = x.shape
    kh, kw, O, _ = K.shape
    (sh, sw) = strides
    if padding == "same":
        oh, ow = H * sh, W * sw
        (fh, pt), (fw, pl) = np_same(oh, kh, sh), np_same(ow, kw, sw)
    else:
        oh, ow = H * sh + max(kh - sh, 0), W * sw + max(kw - sw, 0)
        fh, fw, pt, pl = (oh - kh) // sh + 1, (ow - kw) // sw + 1, 0, 0
    assert (fh, fw) == (H, W)
    out = np.zeros((N, oh, ow, O)) + b
    for i in range(H):
        for j in range(W):
            for a in range(kh):
                for c in range(kw):
                    p, q = i * sh + a - pt, j * sw + c - pl
                    if 0 <= p < oh and 0 <= q < ow:
                        out[:, p, q, :] += x[:, i, j, :] @ K[a, c].T
    return out


def np_maxpool(x, pool, strides, padding):
    """The window clipped to the valid input (padding never a candidate)."""
    N, H, W, C = x.shape
    (ph, pw), (sh, sw) = pool, strides
    if padding == "same":
        (oh, pt), (ow, pl) = np_same(H, ph, sh), np_same(W, pw, sw)
    else:
        oh, ow, pt, pl = (H - ph) // sh + 1, (W - pw) // sw + 1, 0, 0
    out = np.empty((N, oh, ow, C))
    for y in range(oh):
        for xx in range(ow):
            r0, c0 = y * sh - pt, xx * sw - pl
            win = x[:, max(r0, 0):min(r0 + ph, H), max(c0, 0):min(c0 + pw, W), :]
            out[:, y, xx, :] = win.max(axis=(1, 2))
    return out


def np_upsample(x, factor):
    N, H, W, C = x.shape
    out = np.empty((N, H * factor[0], W * factor[1], C))
    for p in range(H * factor[0]):
        for q in range(W * factor[1]):
            out[:, p, q, :] = x[:, p // factor[0], q // factor[1], :]
    return out


def nchw(a):
    return torch.from_numpy(np.ascontiguousarray(a.transpose(0, 3, 1, 2)))


def nhwc(t):
    return t.permute(0, 2, 3, 1).numpy()


# transpose configs: input (H,W), in channels, out channels, kernel, strides, padding
CONVT_CASES = [
    ((7, 7), 3, 4, (3, 3), (2, 2), "same"),    # conv: 7 -> 14, pad 0/1
    ((14, 14), 2, 3, (3, 3), (2, 2), "same"),  # conv: 14 -> 28
    ((4, 4), 5, 3, (5, 5), (2, 2), "same"),    # conv_odd layers.2: 4 -> 8, pad 1/2
    ((3, 3), 6, 1, (3, 3), (2, 2), "valid"),   # conv_odd layers.4: 3 -> 7
    ((4, 5), 2, 3, (4, 4), (2, 2), "same"),    # pad 1/1
    ((3, 4), 2, 3, (4, 3), (2, 3), "same"),    # rectangular kernel and strides
    ((2, 3), 3, 2, (6, 5), (2, 2), "same"),    # pad 2/2 and 1/2
    ((5, 3), 2, 2, (1, 2), (2, 3), "valid"),   # k < s: zero rows/cols at the end
    ((3, 3), 2, 2, (2, 2), (2, 2), "valid"),
    ((5, 5), 2, 3, (3, 3), (1, 1), "same"),    # stride 1: pad 1/1
    ((4, 4), 2, 3, (4, 4), (1, 1), "same"),    # stride 1, even k: pad 1/2
    ((3, 3), 1, 2, (3, 3), (3, 3), "same"),    # k = s: pad 0
    ((4, 4), 2, 2, (3, 3), (1, 1), "valid"),
]

# conv2d configs: input (H,W), in, out, kernel, strides, padding
CONV_CASES = [
    ((10, 10), 2, 3, (3, 3), (1, 1), "same"),
    ((7, 7), 1, 4, (4, 4), (2, 2), "same"),    # conv_odd layers.0: pad 1/2
    ((4, 4), 4, 5, (2, 2), (1, 1), "valid"),   # conv_odd layers.1
    ((8, 8), 3, 6, (3, 3), (2, 2), "valid"),   # conv_odd layers.3
    ((7, 7), 2, 3, (3, 3), (2, 2), "same"),    # pad 1/1
    ((8, 8), 2, 3, (3, 3), (2, 2), "same"),    # pad 0/1
    ((7, 6), 2, 3, (2, 3), (2, 1), "same"),
    ((5, 5), 2, 2, (1, 1), (2, 2), "same"),
    ((6, 7), 2, 2, (3, 3), (3, 2), "valid"),
]

# maxpool configs: input (H,W), pool, strides, padding
POOL_CASES = [
    ((28, 28), (2, 2), (2, 2), "same"),
    ((7, 7), (2, 2), (2, 2), "same"),          # 7 -> 4, last window 1 row
    ((3, 3), (2, 2), (2, 2), "same"),          # conv_odd
    ((5, 6), (3, 3), (2, 2), "same"),
    ((7, 7), (2, 2), (2, 2), "valid"),
    ((6, 5), (3, 2), (1, 2), "same"),
]


class Checker:
    def __init__(self):
        self.failed = 0

    def __call__(self, ok, what, detail):
        print("  %-4s %-58s %s" % ("ok" if ok else "FAIL", what, detail))
        if not ok:
            self.failed += 1


def rel(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300))


def check_blocks(ck):
    g = torch.Generator().manual_seed(1234)
    rnd = lambda *s: torch.randn(*s, generator=g, dtype=torch.float64)
    N = 2
    tol = 1e-12

    # The padding formula on the cases the doc spells out.
    ck(same_pads(7, 2, 2) == (4, 0, 1) and same_pads(28, 3, 1) == (28, 1, 1)
       and same_pads(7, 4, 2) == (4, 1, 2) and same_pads(14, 3, 2)[1:] == (0, 1),
       "TF 'same' pads: 7/2x2->(0,1), 28/3x3->(1,1), 7/4x4s2->(1,2)", "")

    print("conv2d (TF 'same'/'valid' via F.pad + F.conv2d) vs numpy loop:")
    for (H, W), ci, co, k, s, pad in CONV_CASES:
        x, K, b = rnd(N, H, W, ci), rnd(*k, ci, co), rnd(co)
        ref = np_conv2d(x.numpy(), K.numpy(), b.numpy(), s, pad)
        got = nhwc(tf_conv2d(nchw(x.numpy()), K, b, s, pad))
        ok = got.shape == ref.shape and rel(got, ref) < tol
        ck(ok, "%dx%dx%d k%dx%d s%dx%d %s -> %dx%dx%d" % (H, W, ci, *k, *s, pad, *ref.shape[1:]),
           "rel %.2g" % (rel(got, ref) if got.shape == ref.shape else float("inf")))

    print("maxpool (-inf F.pad + F.max_pool2d) vs numpy loop (clipped windows):")
    for (H, W), p, s, pad in POOL_CASES:
        x = rnd(N, H, W, 3)  # negative values too: 0-padding would show
        ref = np_maxpool(x.numpy(), p, s, pad)
        got = nhwc(tf_maxpool(nchw(x.numpy()), p, s, pad))
        ok = got.shape == ref.shape and np.array_equal(got, ref)
        ck(ok, "%dx%d pool %dx%d s%dx%d %s -> %dx%d" % (H, W, *p, *s, pad, *ref.shape[1:3]),
           "exact" if ok else "differs")
    x = -1.0 - torch.rand(1, 3, 3, 1, generator=g, dtype=torch.float64)  # all < 0
    zero_pad = F.max_pool2d(F.pad(nchw(x.numpy()), (0, 1, 0, 1)), 2, 2)
    ck(not np.array_equal(nhwc(zero_pad), np_maxpool(x.numpy(), (2, 2), (2, 2), "same")),
       "(control) pooling padded with 0 differs on negative input", "")

    print("maxpool gradient on exact ties: first maximum in row-major order (TF CPU):")
    for layout in ("NCHW", "NHWC permuted (channels_last)"):
        xn = torch.randint(0, 3, (2, 7, 7, 5), generator=g).double()  # many ties
        leaf = (xn.permute(0, 3, 1, 2).contiguous() if layout == "NCHW" else xn).requires_grad_(True)
        xc = leaf if layout == "NCHW" else leaf.permute(0, 3, 1, 2)
        y = tf_maxpool(xc, (2, 2), (2, 2), "same")
        w = rnd(*y.shape)
        gx, = torch.autograd.grad((y * w).sum(), leaf)
        gx = gx if layout == "NCHW" else gx.permute(0, 3, 1, 2)
        a, ref = xc.detach().numpy(), np.zeros(xc.shape)
        for n_, c_, i_, j_ in np.ndindex(*y.shape):
            best = None
            for r_ in range(2 * i_, min(2 * i_ + 2, 7)):
                for s_ in range(2 * j_, min(2 * j_ + 2, 7)):
                    if best is None or a[n_, c_, r_, s_] > a[n_, c_, best[0], best[1]]:
                        best = (r_, s_)
            ref[n_, c_, best[0], best[1]] += float(w[n_, c_, i_, j_])
        ck(np.allclose(gx.numpy(), ref, rtol=0, atol=1e-14), "7x7 pool 2x2 same, values in {0,1,2}, %s" % layout, "")

    print("upsample (repeat_interleave) vs numpy loop:")
    x = rnd(N, 3, 4, 2)
    ck(np.array_equal(nhwc(tf_upsample(nchw(x.numpy()), (2, 3))), np_upsample(x.numpy(), (2, 3))),
       "3x4 upsample 2x3 -> 6x12", "exact")

    print("conv2d_transpose (ConvTranspose2d padding 0, crop at pad_before) vs numpy loop,")
    print("and adjoint <conv2d(u), v> = <u, conv2d_transpose(v)> (same kernel array):")
    for (H, W), ci, co, k, s, pad in CONVT_CASES:
        v, K, b = rnd(N, H, W, ci), rnd(*k, co, ci), rnd(co)
        ref = np_conv2d_transpose(v.numpy(), K.numpy(), b.numpy(), s, pad)
        got = nhwc(tf_conv2d_transpose(nchw(v.numpy()), K, b, s, pad))
        oh, ow = ref.shape[1:3]
        pt = convt_pad_before(H, oh, k[0], s[0], pad)
        pl = convt_pad_before(W, ow, k[1], s[1], pad)
        r = rel(got, ref) if got.shape == ref.shape else float("inf")
        ck(r < tol, "%dx%dx%d k%dx%d s%dx%d %s -> %dx%dx%d (crop %d,%d)"
           % (H, W, ci, *k, *s, pad, oh, ow, co, pt, pl), "rel %.2g" % r)
        # adjoint: conv2d of u [out-size, co] with K read as [kh,kw,in=co,out=ci]
        u = rnd(N, oh, ow, co)
        cu = tf_conv2d(nchw(u.numpy()), K, None, s, pad)
        tv = tf_conv2d_transpose(nchw(v.numpy()), K, None, s, pad)
        if tuple(cu.shape[2:]) != (H, W):
            ck(False, "    adjoint", "conv2d gives %s" % (tuple(cu.shape),))
            continue
        lhs = float((cu * nchw(v.numpy())).sum())
        rhs = float((nchw(u.numpy()) * tv).sum())
        scale = float(cu.norm() * nchw(v.numpy()).norm())
        ck(abs(lhs - rhs) <= 1e-13 * scale, "    adjoint",
           "<Cu,v> %+.12f  <u,C'v> %+.12f  |diff|/(|Cu||v|) %.2g"
           % (lhs, rhs, abs(lhs - rhs) / scale))

    # Controls: PyTorch's usual ConvTranspose2d(padding=1, output_padding=1)
    # is one pixel off and fails both tests; the checks can tell.
    v, K = rnd(N, 7, 7, 3), rnd(3, 3, 4, 3)
    pit = F.conv_transpose2d(nchw(v.numpy()), K.permute(3, 2, 0, 1), None, stride=2,
                             padding=1, output_padding=1)
    ref = np_conv2d_transpose(v.numpy(), K.numpy(), 0.0, (2, 2), "same")
    u = rnd(N, 14, 14, 4)
    lhs = float((tf_conv2d(nchw(u.numpy()), K, None, (2, 2), "same") * nchw(v.numpy())).sum())
    rhs = float((nchw(u.numpy()) * pit).sum())
    ck(rel(nhwc(pit), ref) > 0.1 and abs(lhs - rhs) > 1e-3 * abs(lhs),
       "(control) torch padding=1,output_padding=1 fails both",
       "rel %.2g, <Cu,v> %+.6f vs %+.6f" % (rel(nhwc(pit), ref), lhs, rhs))


def check_torch_train(ck, x, params):
    """The conv fixture's forward pass against torch_train.py's."""
    import torch_train as tt
    tparams = [p.permute(3, 2, 0, 1).contiguous() if p.dim() == 4 else p for p in params]
    mine = forward(FIXTURES[0][3] + FIXTURES[0][4], params, x).reshape(x.shape[0], 784)
    saved = tt.conv_transpose_same_s2
    try:
        for name, fn in (("convt_slice", tt.convt_slice), ("convt_polyphase", tt.convt_polyphase)):
            tt.conv_transpose_same_s2 = fn
            with torch.no_grad():
                theirs = tt.conv_forward(tparams, x.reshape(x.shape[0], 784))
            r = rel(mine.detach().numpy(), theirs.numpy())
            ck(r < 1e-5, "conv logits vs torch_train.conv_forward (%s)" % name, "rel %.2g" % r)
    finally:
        tt.conv_transpose_same_s2 = saved


def check_gradients(ck, layers, x, t, params):
    """Autograd against central differences, float64, 16 random entries."""
    x, t = x.double(), t.double()
    ps = [p.double() for p in params]
    _, grads = loss_and_grads(layers, ps, x, t)
    g = torch.Generator().manual_seed(99)
    h, worst = 1e-6, 0.0
    for _ in range(16):
        i = int(torch.randint(len(ps), (1,), generator=g))
        j = int(torch.randint(ps[i].numel(), (1,), generator=g))
        def at(d):
            q = [p.clone() for p in ps]
            q[i].view(-1)[j] += d
            with torch.no_grad():
                return float(F.binary_cross_entropy_with_logits(forward(layers, q, x), t))
        fd = (at(h) - at(-h)) / (2 * h)
        worst = max(worst, abs(fd - float(grads[i].reshape(-1)[j])))
    scale = max(float(gr.abs().max()) for gr in grads)
    ck(worst < 1e-7 * max(scale, 1.0), "conv_odd: autograd vs central differences (16 entries)",
       "max |diff| %.2g (largest gradient %.2g)" % (worst, scale))


# ------------------------------------------------------------------ main ----

def main():
    check = "--check" in sys.argv[1:]
    torch.manual_seed(0)  # nothing below uses the global generator
    torch.set_num_threads(1)  # one summation order
    ck = Checker()
    if check:
        print("building blocks, float64:")
        check_blocks(ck)
    total = 0
    for name, seed, shape, enc, dec in FIXTURES:
        layers = enc + dec
        spec = dae_model(name, shape, enc, dec)
        for line in spec.splitlines()[2:]:
            if line.strip() not in ("encoder {", "decoder {", "}") and line.strip() not in __doc__:
                sys.exit("%s: the docstring lacks '%s'" % (name, line.strip()))
        outs, pshapes = shapes_of(shape, layers)
        if outs[-1] != shape:
            sys.exit("%s: output %s is not the input %s" % (name, outs[-1], shape))
        x, t, params0 = make_inputs(seed, shape, layers)
        out = run(layers, x, t, params0, torch.float32)
        n = len(params0) // 2
        tensors = [("x", x), ("t", t)]
        for i in range(n):
            tensors += [("layers.%d.kernel" % i, params0[2 * i]),
                        ("layers.%d.bias" % i, params0[2 * i + 1])]
        tensors += [(k, v) for k, v in out.items()]
        stmts = [dae_statement(k, a) for k, a in layers]
        meta = {
            "model": name,
            "spec": spec,
            "layers": "input %dx%dx%d; " % shape + " ".join(stmts),
            "shapes": ", ".join("%dx%dx%d" % o for o in [shape] + outs),
            "params": ", ".join("layers.%d %s kernel %s bias [%d]"
                                % (i, [k for k, _ in layers if k != "maxpool" and k != "upsample"][i],
                                   list(ks), nb) for i, (ks, nb) in enumerate(pshapes)),
            "layouts": "x, t NHWC; conv2d kernel [kh,kw,in,out]; "
                       "conv2d_transpose kernel [kh,kw,out,in]; bias [filters]",
            "loss": "binary_crossentropy",
            "loss_form": "from the logits of the last layer (sigmoid), mean over all "
                         "B*%d*%d*%d elements" % shape,
            "optimizer": ",".join("%s=%s" % kv for kv in ADAM.items()),
            "batch": str(B), "steps": str(STEPS), "seed": str(seed),
            "data": ("first %d MNIST training images /255" % B
                     + ("" if shape[:2] == (28, 28) else
                        ", as %dx%d thumbnails (means of %dx%d blocks, float32)"
                        % (shape[0], shape[1], 28 // shape[0], 28 // shape[1]))
                     + "; x = clip(t + %g N(0,1), 0, 1)" % NOISE_SIGMA),
            "init": "glorot_uniform, Keras fans (kh*kw*shape[-2], kh*kw*shape[-1])",
            "biases": "U[-%g, %g) (not Keras zeros, so the forward pass tests them)"
                      % (BIAS_RANGE, BIAS_RANGE),
            "made_by": "tests/reference/make_conv_fixtures.py, torch %s, float32" % torch.__version__,
        }
        path = os.path.join(HERE, "%s_fixture.safetensors" % name)
        mf.write_safetensors(path, [(k, v.detach().numpy()) for k, v in tensors], meta)
        size = os.path.getsize(path)
        total += size
        print("%s: %d bytes, %d parameters, loss %.9g, losses %s" % (
            path, size, sum(p.numel() for p in params0), out["loss"].item(),
            " ".join("%.9g" % v for v in out["losses"].tolist())))
        if check:
            if name == "conv":
                check_torch_train(ck, x, params0)
            if name == "conv_odd":
                check_gradients(ck, layers, x, t, params0)
            ref = run(layers, x, t, params0, torch.float64)
            worst = 0.0
            for k in out:
                r = mf.max_rel(out[k].numpy(), ref[k].numpy())
                worst = max(worst, r)
                print("   float32 vs float64 %-24s %.3g" % (k, r))
            ck(worst < COND_TOL, "%s: conditioned (float32 vs float64 < %g)" % (name, COND_TOL),
               "worst %.2g" % worst)
    print("total %d bytes" % total)
    if check:
        print("verifications: %s" % ("all passed" if not ck.failed else "%d FAILED" % ck.failed))
        if ck.failed:
            sys.exit(1)


if __name__ == "__main__":
    main()
