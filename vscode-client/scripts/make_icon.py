"""Draws images/icon.png (128x128, the Marketplace's size): a shield with a keyhole, in the
gallery banner's colours. Pure Python (zlib + struct), so it needs nothing installed:

    python scripts/make_icon.py
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

SIZE = 128
SAMPLES = 4  # per axis, for smooth edges
BACKGROUND = (31, 41, 55)  # #1f2937, galleryBanner.color
SHIELD = (222, 94, 56)  # uv's orange-red
KEYHOLE = (255, 255, 255)


def inside_shield(x: float, y: float) -> bool:
    """A shield: straight top, sides that curve into a point at the bottom."""
    cx, top, bottom, half = 64.0, 18.0, 114.0, 42.0
    if y < top or y > bottom:
        return False
    t = (y - top) / (bottom - top)
    width = half if t < 0.45 else half * (1 - ((t - 0.45) / 0.55) ** 1.6)
    return abs(x - cx) <= width


def inside_keyhole(x: float, y: float) -> bool:
    circle = (x - 64) ** 2 + (y - 56) ** 2 <= 12**2
    stem = abs(x - 64) <= 5 + (y - 56) * 0.12 and 56 <= y <= 86
    return circle or stem


def pixel(px: int, py: int) -> tuple[int, int, int, int]:
    counts = {"bg": 0, "shield": 0, "hole": 0}
    for sx in range(SAMPLES):
        for sy in range(SAMPLES):
            x, y = px + (sx + 0.5) / SAMPLES, py + (sy + 0.5) / SAMPLES
            if inside_shield(x, y):
                counts["hole" if inside_keyhole(x, y) else "shield"] += 1
            else:
                counts["bg"] += 1
    n = SAMPLES * SAMPLES
    mix = [sum(c[i] * counts[k] for k, c in (("bg", BACKGROUND), ("shield", SHIELD),
                                              ("hole", KEYHOLE))) // n for i in range(3)]
    return mix[0], mix[1], mix[2], 255


def png(width: int, height: int, rows: list[bytes]) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + row for row in rows)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 6,
                                                               0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def main() -> None:
    rows = [b"".join(bytes(pixel(x, y)) for x in range(SIZE)) for y in range(SIZE)]
    out = Path(__file__).resolve().parent.parent / "images" / "icon.png"
    out.parent.mkdir(exist_ok=True)
    out.write_bytes(png(SIZE, SIZE, rows))
    print(out)


if __name__ == "__main__":
    main()
