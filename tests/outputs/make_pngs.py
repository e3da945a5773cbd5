#!/usr/bin/python3
"""Writes the PNG fixtures of tests/outputs/ (committed; run once): the
first MNIST test digit with Gaussian noise (sigma 0.7, clipped), as the
same gray values in several PNG flavours, plus files that must be refused.
Only the standard library: PNG chunks are written by hand here."""
import gzip, os, random, struct, zlib

HERE = os.path.dirname(os.path.abspath(__file__))

def chunk(kind, data):
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff))

def png(name, w, h, depth, color, rows, palette=None):
    raw = b"".join(b"\0" + r for r in rows)
    body = chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, color, 0, 0, 0))
    if palette:
        body += chunk(b"PLTE", palette)
    body += chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
    data = b"\x89PNG\r\n\x1a\n" + body
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)
    return data

def digit():
    path = os.path.join(HERE, "../../data/mnist/t10k-images-idx3-ubyte")
    with open(path, "rb") as f:
        f.read(16)
        px = f.read(784)
    rnd = random.Random(7)
    out = []
    for p in px:
        v = p / 255 + rnd.gauss(0, 0.7)
        out.append(round(255 * min(1.0, max(0.0, v))))
    return out

g = digit()
rows = [bytes(g[r * 28:(r + 1) * 28]) for r in range(28)]
good = png("digit_gray8.png", 28, 28, 8, 0, rows)
png("digit_rgb8.png", 28, 28, 8, 2, [bytes(v for x in r for v in (x, x, x)) for r in rows])
png("digit_gray16.png", 28, 28, 16, 0, [b"".join(struct.pack(">H", x * 257) for x in r) for r in rows])
png("digit_gray_alpha.png", 28, 28, 8, 4, [bytes(v for x in r for v in (x, 255)) for r in rows])
levels = sorted(set(g))
pal = b"".join(bytes((v, v, v)) for v in levels)
index = {v: i for i, v in enumerate(levels)}
png("digit_palette.png", 28, 28, 8, 3, [bytes(index[x] for x in r) for r in rows], pal)
png("small_20x20.png", 20, 20, 8, 0, [bytes(20)] * 20)
with open(os.path.join(HERE, "truncated.png"), "wb") as f:
    f.write(good[:len(good) // 2])
with open(os.path.join(HERE, "not_a_png.png"), "w") as f:
    f.write("this is text, not an image\n")
