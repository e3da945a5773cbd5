#!/usr/bin/env python3
"""Reads a daec weights file (safetensors) into numpy arrays.

    python3 load_weights.py FILE

prints each tensor as `name shape dtype`, then the metadata as
`metadata key value`. As a module: load_weights(FILE) returns
(tensors, metadata), a dict of numpy arrays in file order and a dict of
strings. Needs only the standard library and numpy."""
import json
import struct
import sys

import numpy as np

# safetensors dtype names -> numpy; daec itself writes only F32.
DTYPES = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8",
          "I32": "<i4", "I16": "<i2", "I8": "i1", "U8": "u1", "BOOL": "?"}


def load_weights(path):
    with open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 8:
        raise ValueError(f"{path}: too short for a safetensors file")
    (n,) = struct.unpack("<Q", raw[:8])  # header length, little-endian u64
    if n > len(raw) - 8:
        raise ValueError(f"{path}: header of {n} bytes, file of {len(raw)}")
    header = json.loads(raw[8:8 + n])  # JSON, padded with spaces
    metadata = header.pop("__metadata__", {})
    data = memoryview(raw)[8 + n:]  # offsets count from here
    tensors = {}
    for name, t in header.items():
        dtype = np.dtype(DTYPES[t["dtype"]])
        shape = tuple(t["shape"])
        begin, end = t["data_offsets"]
        if not 0 <= begin <= end <= len(data) or \
                end - begin != dtype.itemsize * int(np.prod(shape)):
            raise ValueError(f"{path}: tensor {name}: bad data_offsets")
        array = np.frombuffer(data[begin:end], dtype=dtype).reshape(shape)
        tensors[name] = array.astype(dtype.newbyteorder("="))  # a copy
    return tensors, metadata


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: load_weights.py FILE.safetensors")
    tensors, metadata = load_weights(sys.argv[1])
    for name, array in tensors.items():
        print(name, array.shape, array.dtype)
    for key, value in metadata.items():
        print("metadata", key, value)
