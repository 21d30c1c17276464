"""Perceptual hashes: 16 hex digits, near for the same picture re-encoded, far for other pictures; the band
keywords that let Elasticsearch find candidates."""

from __future__ import annotations

import io
import random

import pytest
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter

from media import phash as ph


def scene(seed: int) -> Image.Image:
    pick = random.Random(seed)
    image = Image.new("RGB", (480, 360), tuple(pick.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(10):
        x, y, w, h = pick.randrange(480), pick.randrange(360), pick.randrange(40, 240), pick.randrange(40, 240)
        draw.ellipse((x, y, x + w, y + h), fill=tuple(pick.randrange(256) for _ in range(3)))
    return image.filter(ImageFilter.GaussianBlur(3))


def jpeg(image: Image.Image, quality: int) -> Image.Image:
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=quality)
    return Image.open(io.BytesIO(out.getvalue()))


SCENES = [scene(i) for i in range(6)]


def test_hash_is_sixteen_lowercase_hex_digits() -> None:
    value = ph.phash(SCENES[0])
    assert len(value) == 16 and value == value.lower() and int(value, 16) >= 0
    assert ph.phash(SCENES[0]) == value  # deterministic


@pytest.mark.parametrize(
    "change",
    [
        lambda im: jpeg(im, 40),
        lambda im: im.resize((im.width // 2, im.height // 2)),
        lambda im: jpeg(im.resize((im.width * 4 // 5, im.height * 4 // 5)), 80),  # a messenger's re-encode
        lambda im: ImageEnhance.Brightness(im).enhance(1.15),
    ],
)
def test_the_same_picture_reencoded_is_near(change: object) -> None:
    for image in SCENES:
        assert ph.hamming(ph.phash(image), ph.phash(change(image))) <= ph.NEAR  # type: ignore[operator]


def test_different_pictures_are_far() -> None:
    hashes = [ph.phash(image) for image in SCENES]
    distances = [ph.hamming(a, b) for i, a in enumerate(hashes) for b in hashes[i + 1 :]]
    assert min(distances) > 2 * ph.NEAR


def test_hamming_and_bands() -> None:
    assert ph.hamming("0000000000000000", "000000000000000f") == 4
    assert ph.hamming("FFFFFFFFFFFFFFFF", "0000000000000000") == 64
    assert ph.bands("0123456789abcdef") == ["0:0123", "1:4567", "2:89ab", "3:cdef"]
    assert ph.index_fields("0123456789ABCDEF")["phash"] == "0123456789abcdef"
    with pytest.raises(ValueError, match="16 hex digits"):
        ph.hamming("xyz", "0000000000000000")


def test_hashes_within_three_bits_always_share_a_band() -> None:
    pick = random.Random(7)
    for _ in range(500):
        value = pick.getrandbits(64)
        flipped = value
        for bit in pick.sample(range(64), 3):
            flipped ^= 1 << bit
        a, b = f"{value:016x}", f"{flipped:016x}"
        assert set(ph.bands(a)) & set(ph.bands(b))


def test_near_filters_and_orders_candidates() -> None:
    base = "00000000000000ff"
    found = ph.near(base, ["00000000000000fe", "ffffffffffffffff", "00000000000000f0", base])
    assert found == [(base, 0), ("00000000000000fe", 1), ("00000000000000f0", 4)]
    assert ph.candidates_query(base) == {"terms": {"media.phash_bands": ph.bands(base)}}
    assert ph.nearest_in(base, ["ffffffffffffffff", "00000000000000fc"]) == 2
    assert ph.nearest_in(base, ["ffffffffffffffff"]) is None
