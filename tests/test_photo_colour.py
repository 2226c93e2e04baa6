"""Embedded colour profiles are applied to the pixels and never copied into the stored photo."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageCms

from app.photos import PhotoSettings, process_photo
from tests.photo_corpus import pillow_bytes, swapped_primaries_profile

RED = (255, 0, 0)


def decode(data: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(data))
    img.load()
    return img


def centre(data: bytes) -> tuple[int, int, int]:
    img = decode(data)
    return img.getpixel((img.width // 2, img.height // 2))


def test_eight_megabyte_profile_makes_a_small_photo_in_the_right_colours():
    profile = swapped_primaries_profile(pad_to=8 * 1024 * 1024)
    data = pillow_bytes(Image.new("RGB", (800, 600), RED), "JPEG", quality=90,
                        icc_profile=profile)
    assert len(data) > 8_000_000
    photo = process_photo(data, PhotoSettings(watermark=False))
    assert len(photo.jpeg) < 50_000
    assert decode(photo.jpeg).info.get("icc_profile") is None
    r, g, b = centre(photo.jpeg)  # the profile says this "red" is sRGB blue
    assert b > 200 and r < 40 and g < 40


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_profile_of_png_and_webp_is_applied(fmt):
    data = pillow_bytes(Image.new("RGB", (300, 200), RED), fmt, icc_profile=swapped_primaries_profile())
    photo = process_photo(data, PhotoSettings(watermark=False))
    assert decode(photo.jpeg).info.get("icc_profile") is None
    r, g, b = centre(photo.jpeg)
    assert b > 200 and r < 40 and g < 40


def test_srgb_profile_leaves_colours_as_they_are():
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    colour = (180, 90, 30)
    data = pillow_bytes(Image.new("RGB", (300, 200), colour), "PNG", icc_profile=srgb)
    photo = process_photo(data, PhotoSettings(watermark=False))
    assert decode(photo.jpeg).info.get("icc_profile") is None
    assert all(abs(a - b) <= 4 for a, b in zip(centre(photo.jpeg), colour))


@pytest.mark.parametrize("profile", [
    b"this is not an ICC profile " * 40,           # unreadable
    ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB")).tobytes(),  # Lab profile on RGB
])
def test_unusable_profile_is_dropped_and_the_photo_kept(profile):
    data = pillow_bytes(Image.new("RGB", (300, 200), RED), "JPEG", quality=95, icc_profile=profile)
    photo = process_photo(data, PhotoSettings(watermark=False))
    assert decode(photo.jpeg).info.get("icc_profile") is None
    r, g, b = centre(photo.jpeg)
    assert r > 220 and g < 30 and b < 30


def test_rgb_profile_on_a_cmyk_jpeg_is_dropped():
    data = pillow_bytes(Image.new("CMYK", (300, 200), (0, 255, 255, 0)), "JPEG",
                        icc_profile=swapped_primaries_profile())
    photo = process_photo(data, PhotoSettings(watermark=False))
    assert decode(photo.jpeg).info.get("icc_profile") is None
    r, g, b = centre(photo.jpeg)
    assert r > 200 and g < 60 and b < 60
