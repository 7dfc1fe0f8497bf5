#!/usr/bin/env python3
"""Counts the pixels of a PNG close to given colours: proof that charts were drawn.
Usage: png_colors.py FILE R,G,B:MIN [R,G,B:MIN ...]; exits 1 if a colour has fewer
than MIN pixels. Standard library only (zlib), 8-bit RGB/RGBA, non-interlaced."""
import struct
import sys
import zlib


def read_png(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        sys.exit(f"{path}: not a PNG")
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color = struct.unpack(">IIBB", body[:10])
            if depth != 8 or color not in (2, 6):
                sys.exit(f"{path}: unsupported PNG (depth {depth}, colour type {color})")
            channels = 3 if color == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, prev = [], bytearray(stride)
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b = prev[i]
            c = prev[i - channels] if i >= channels else 0
            if f == 1: line[i] = (line[i] + a) & 255
            elif f == 2: line[i] = (line[i] + b) & 255
            elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(line)
        prev = line
    return width, height, channels, rows


def main():
    width, height, channels, rows = read_png(sys.argv[1])
    ok = True
    for spec in sys.argv[2:]:
        rgb, minimum = spec.split(":")
        want = [int(v) for v in rgb.split(",")]
        n = sum(1 for line in rows for x in range(0, width * channels, channels)
                if all(abs(line[x + k] - want[k]) <= 12 for k in range(3)))
        print(f"{spec}: {n} pixels")
        ok = ok and n >= int(minimum)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
