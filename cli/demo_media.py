"""The demo's media: two small Telegram Desktop exports made with Pillow when the demo runs (no image is
kept in the repository). One channel posts a photographed notice with no caption (its words are only in
the image); another reposts it a day later, smaller and re-compressed (a near-identical image)."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from dozor.errors import ConfigError

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")  # Debian's fonts-dejavu-core
NOTICE = (
    "ОБЪЯВЛЕНИЕ",
    "Мигрантам в ММЦ Сахарово:",
    "заключение контракта",
    "с военкоматом на месте.",
    "Выплата 200 000 рублей.",
)


@dataclass(frozen=True)
class DemoExport:
    path: Path  # result.json
    channel: str  # the username to import it with (--channel)
    image: bytes  # the photo it holds


def notice_image(lines: tuple[str, ...] = NOTICE, width: int = 960, font_size: int = 44) -> Image.Image:
    """Dark text on an off-white sheet, as a phone photo of a printed notice would be after cropping."""
    if not FONT.is_file():
        raise ConfigError(f"{FONT} is missing: install Debian's fonts-dejavu-core (make system-demo does)")
    font = ImageFont.truetype(str(FONT), font_size)
    line_height = int(font_size * 1.5)
    image = Image.new("RGB", (width, line_height * (len(lines) + 1)), (246, 244, 238))
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((48, line_height * (i + 0.5)), line, font=font, fill=(20, 20, 28))
    return image


def _jpeg(image: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()


def _export(folder: Path, chat_id: int, name: str, text: str, when: int, photo: bytes, size: tuple[int, int]) -> Path:
    (folder / "photos").mkdir(parents=True, exist_ok=True)
    (folder / "photos" / "photo_1.jpg").write_bytes(photo)
    entry = {
        "id": 1,
        "type": "message",
        "date_unixtime": str(when),
        "from": name,
        "from_id": f"channel{chat_id}",
        "photo": "photos/photo_1.jpg",
        "photo_file_size": len(photo),
        "width": size[0],
        "height": size[1],
        "text": text,
        "text_entities": [{"type": "plain", "text": text}] if text else [],
    }
    export = folder / "result.json"
    chat = {"name": name, "type": "public_channel", "id": chat_id, "messages": [entry]}
    export.write_text(json.dumps(chat, ensure_ascii=False), encoding="utf-8")
    return export


def write_exports(folder: Path, when: int = 1_793_000_000) -> list[DemoExport]:
    """The two exports under ``folder``: the original post, then the repost a day later."""
    original = notice_image()
    photo = _jpeg(original, 90)
    smaller = original.resize((original.width * 7 // 10, original.height * 7 // 10), Image.Resampling.LANCZOS)
    repost = _jpeg(smaller, 60)
    return [
        DemoExport(
            _export(folder / "notices", 1790000901, "Notices board", "", when, photo, original.size),
            "notices_board_example",
            photo,
        ),
        DemoExport(
            _export(
                folder / "digest",
                1790000902,
                "Repost digest",
                "Пересылаем объявление",
                when + 86_400,
                repost,
                smaller.size,
            ),
            "repost_digest_example",
            repost,
        ),
    ]
