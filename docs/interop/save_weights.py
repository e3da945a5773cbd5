#!/usr/bin/env python3
"""Writes numpy arrays as a daec weights file (safetensors, F32).

    save_weights(path, tensors, metadata=None)

tensors maps names (layers.0.kernel, layers.0.bias, ...) to arrays in the
Keras layouts daec uses; they are written as float32 in the order given.
metadata maps strings to strings (daec writes format, model, spec_hash,
daec_version; none is required). torch_to_keras() turns a PyTorch weight
into that layout. Needs only the standard library and numpy."""
import json
import os
import struct

import numpy as np


def torch_to_keras(weight):
    """Linear [out, in] -> [in, out]; Conv2d [out, in, kh, kw] ->
    [kh, kw, in, out]; ConvTranspose2d [in, out, kh, kw] -> [kh, kw, out, in]
    (the same permutation); biases unchanged."""
    w = np.asarray(weight)
    if w.ndim == 2:
        return w.T
    if w.ndim == 4:
        return w.transpose(2, 3, 1, 0)
    return w


def save_weights(path, tensors, metadata=None):
    header, arrays, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    for name, value in tensors.items():
        a = np.ascontiguousarray(value, dtype="<f4")  # little-endian float32
        header[name] = {"dtype": "F32", "shape": list(a.shape),
                        "data_offsets": [offset, offset + a.nbytes]}
        offset += a.nbytes  # tensors follow each other without gaps
        arrays.append(a)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)  # the data starts 8-byte aligned
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for a in arrays:
            f.write(a.tobytes())
    os.replace(tmp, path)  # never a half-written file at path
