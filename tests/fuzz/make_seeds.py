#!/usr/bin/python3
"""Writes the seed corpora of tests/fuzz/corpus/ (committed; run once):
the specs of specs/, examples/ and tests/diagnostics/, the PNGs of
tests/outputs/ plus a few more PNG flavours, small IDX files (plain and
gzip) and a tiny safetensors file with broken variants. Only the standard
library. Inputs the fuzzers find are kept in $(B)/fuzz/corpus/, not here."""
import glob, gzip, json, os, shutil, struct, zlib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
CORPUS = os.path.join(HERE, "corpus")


def put(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def copy(target, prefix, pattern):
    for path in sorted(glob.glob(os.path.join(ROOT, pattern))):
        with open(path, "rb") as f:
            put(target, prefix + os.path.basename(path), f.read())


# ---- specs ----
copy("spec", "specs_", "specs/*.dae")
copy("spec", "examples_", "examples/*.dae")
copy("spec", "diag_", "tests/diagnostics/*.dae")

# ---- IDX: 3 images of 4x4 (and variants), plain and gzip ----
def idx(n, rows, cols, magic=0x803, pixels=None, extra=b""):
    if pixels is None:
        pixels = bytes((i * 37) & 0xff for i in range(n * rows * cols))
    return struct.pack(">IIII", magic, n, rows, cols) + pixels + extra

for name, data in [
    ("three_4x4.idx", idx(3, 4, 4)),
    ("one_1x1.idx", idx(1, 1, 1)),
    ("two_2x3.idx", idx(2, 2, 3)),
    ("truncated.idx", idx(3, 4, 4)[:40]),
    ("trailing.idx", idx(3, 4, 4, extra=b"\0")),
    ("labels.idx", struct.pack(">II", 0x801, 3) + b"\1\2\3"),
    ("header_only.idx", idx(3, 4, 4)[:16]),
    ("huge_claim.idx", struct.pack(">IIII", 0x803, 60000, 28, 28) + b"\0" * 16),
]:
    put("idx", name, data)
    put("idx", name + ".gz", gzip.compress(data, 9, mtime=0))
put("idx", "corrupt.idx.gz", gzip.compress(idx(3, 4, 4), 9, mtime=0)[:-6] + b"\0" * 6)

# ---- PNG: tests/outputs/, and more flavours ----
copy("png", "outputs_", "tests/outputs/*.png")


def chunk(kind, data):
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff))


def png(w, h, depth, color, raw, palette=None, trns=None, interlace=0):
    body = chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, color, 0, 0, interlace))
    if palette:
        body += chunk(b"PLTE", palette)
    if trns:
        body += chunk(b"tRNS", trns)
    body += chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + body


def rows(h, rowbytes, seed):
    """h rows of rowbytes bytes, each with a filter byte (cycling 0..4)."""
    return b"".join(bytes([y % 5]) + bytes((seed + 13 * y + 7 * x) & 0xff
                                           for x in range(rowbytes))
                    for y in range(h))


def adam7(w, h, bytes_per_pixel):
    """Raw interlaced data: the seven passes of an 8-bit image."""
    passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4),
              (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
    out = b""
    for x0, y0, dx, dy in passes:
        pw = max(0, (w - x0 + dx - 1) // dx)
        ph = max(0, (h - y0 + dy - 1) // dy)
        if pw and ph:
            out += rows(ph, pw * bytes_per_pixel, x0 + y0)
    return out

put("png", "gray1_9x5.png", png(9, 5, 1, 0, rows(5, 2, 1)))
put("png", "gray2_5x3.png", png(5, 3, 2, 0, rows(3, 2, 2)))
put("png", "gray4_3x3_trns.png", png(3, 3, 4, 0, rows(3, 2, 3), trns=b"\0\5"))
put("png", "palette2_4x4_trns.png",
    png(4, 4, 2, 3, rows(4, 1, 4), palette=bytes(range(12)), trns=b"\x80\x40"))
put("png", "rgba16_3x2.png", png(3, 2, 16, 6, rows(2, 24, 5)))
put("png", "rgb16_2x2.png", png(2, 2, 16, 2, rows(2, 12, 6)))
put("png", "gray_alpha16_2x3.png", png(2, 3, 16, 4, rows(3, 8, 7)))
put("png", "interlaced_gray8_9x9.png", png(9, 9, 8, 0, adam7(9, 9, 1), interlace=1))
put("png", "interlaced_rgba8_5x3.png", png(5, 3, 8, 6, adam7(5, 3, 4), interlace=1))

# ---- safetensors: a tiny valid file, and broken variants ----
def safetensors(header, data, pad=True):
    h = json.dumps(header, separators=(",", ":")).encode()
    if pad:
        h += b" " * (-len(h) % 8)
    return struct.pack("<Q", len(h)) + h + data


def floats(n, start=0.0):
    return struct.pack("<%df" % n, *[start + 0.25 * i for i in range(n)])

valid_header = {
    "__metadata__": {"format": "daec", "spec": "ff", "epoch": "3"},
    "layers.0.kernel": {"dtype": "F32", "shape": [3, 2], "data_offsets": [0, 24]},
    "layers.0.bias": {"dtype": "F32", "shape": [2], "data_offsets": [24, 32]},
    "scalar": {"dtype": "F32", "shape": [], "data_offsets": [32, 36]},
    "empty": {"dtype": "F32", "shape": [0, 4], "data_offsets": [36, 36]},
}
valid_data = floats(9)
valid = safetensors(valid_header, valid_data)
put("safetensors", "valid.safetensors", valid)
put("safetensors", "no_metadata.safetensors",
    safetensors({"w": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]}},
                floats(4)))


def variant(name, change, data=valid_data):
    h = json.loads(json.dumps(valid_header))
    change(h)
    put("safetensors", name, safetensors(h, data))

variant("bad_dtype.safetensors", lambda h: h["scalar"].update(dtype="F16"))
variant("overlap.safetensors",
        lambda h: h["layers.0.bias"].update(data_offsets=[20, 28]))
variant("gap.safetensors", lambda h: h["scalar"].update(data_offsets=[36, 40]),
        valid_data + b"\0" * 4)
variant("wrong_span.safetensors", lambda h: h["layers.0.kernel"].update(shape=[3, 3]))
variant("meta_not_string.safetensors", lambda h: h["__metadata__"].update(epoch=3))
variant("negative_dim.safetensors", lambda h: h["layers.0.bias"].update(shape=[-2]))
variant("rank9.safetensors", lambda h: h["scalar"].update(shape=[1] * 9))
variant("huge_shape.safetensors",
        lambda h: h["empty"].update(shape=[2 ** 40, 2 ** 40, 0]))
put("safetensors", "truncated.safetensors", valid[:-5])
put("safetensors", "trailing_data.safetensors", valid + b"\0\0\0\0")
put("safetensors", "header_too_long.safetensors",
    struct.pack("<Q", len(valid)) + valid[8:])
put("safetensors", "not_json.safetensors", struct.pack("<Q", 8) + b"{\"a\":[1,")
put("safetensors", "array_root.safetensors", struct.pack("<Q", 8) + b"[1,2,3] ")
put("safetensors", "short.safetensors", b"\x10\0\0")
dup = (b'{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},'
       b'"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}')
put("safetensors", "duplicate_key.safetensors", struct.pack("<Q", len(dup)) + dup + floats(2))
