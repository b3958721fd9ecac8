"""QR codes for the boards and the printable A4 poster, drawn with qrcode and Pillow.

The code encodes the phone page's address with the unit's submission token. Error correction level M and a
quiet zone of four modules keep it readable from 1-2 metres off a wall screen with some glare.
"""

from __future__ import annotations

import base64
import io
from functools import lru_cache

import qrcode
from PIL import Image, ImageDraw, ImageFont
from qrcode.constants import ERROR_CORRECT_M

from .assets import FONT_BOLD, FONT_REGULAR

__all__ = ['POSTER_FORMATS', 'qr_data_url', 'qr_image', 'qr_png', 'qr_poster']

POSTER_FORMATS = ('pdf', 'png')
_A4_150DPI = (1240, 1754)


def qr_image(url: str, *, box_size: int = 10) -> Image.Image:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=box_size, border=4)
    code.add_data(url)
    code.make(fit=True)
    image: Image.Image = code.make_image(fill_color='black', back_color='white').get_image().convert('RGB')
    return image


def qr_png(url: str, *, box_size: int = 10) -> bytes:
    buffer = io.BytesIO()
    qr_image(url, box_size=box_size).save(buffer, format='PNG', optimize=True)
    return buffer.getvalue()


@lru_cache(maxsize=512)
def qr_data_url(url: str) -> str:
    """The code as a ``data:`` URL for an ``<img>``; cached, since every screen of a unit shows the same code."""
    return 'data:image/png;base64,' + base64.b64encode(qr_png(url, box_size=8)).decode()


def qr_poster(*, unit_name: str, url: str, heading: str, instruction: str, footer: str, fmt: str = 'pdf') -> bytes:
    """An A4 page (150 dpi) with the unit's name, the code and a one-line instruction, as PDF or PNG."""
    if fmt not in POSTER_FORMATS:
        raise ValueError(f'poster format must be one of {POSTER_FORMATS}, not {fmt!r}')
    width, height = _A4_150DPI
    page = Image.new('RGB', (width, height), 'white')
    draw = ImageDraw.Draw(page)
    margin = 90
    y = 110
    y = _paragraph(draw, heading, ImageFont.truetype(str(FONT_BOLD), 64), y, width=width, margin=margin) + 40
    y = _paragraph(draw, unit_name, ImageFont.truetype(str(FONT_BOLD), 80), y, width=width, margin=margin,
                   max_lines=3)
    code = qr_image(url)
    side = min(900, height - y - 420)
    code = code.resize((side, side), Image.Resampling.NEAREST)
    page.paste(code, ((width - side) // 2, y + 40))
    y += side + 90
    y = _paragraph(draw, instruction, ImageFont.truetype(str(FONT_REGULAR), 52), y, width=width, margin=margin)
    _paragraph(draw, footer, ImageFont.truetype(str(FONT_REGULAR), 34), y + 30, width=width, margin=margin)
    buffer = io.BytesIO()
    if fmt == 'pdf':
        page.save(buffer, format='PDF', resolution=150.0, title=f'{heading} {unit_name}')
    else:
        page.save(buffer, format='PNG', optimize=True, dpi=(150, 150))
    return buffer.getvalue()


def _paragraph(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, y: int, *, width: int,
               margin: int, max_lines: int = 6) -> int:
    """Draw ``text`` centred, wrapped at word boundaries to fit between the margins; return the y below it."""
    lines: list[str] = []
    for word in text.split():
        if lines and draw.textlength(f'{lines[-1]} {word}', font=font) <= width - 2 * margin:
            lines[-1] = f'{lines[-1]} {word}'
        else:
            lines.append(word)
    line_height = int(font.size * 1.25)
    for line in lines[:max_lines]:
        draw.text(((width - draw.textlength(line, font=font)) // 2, y), line, font=font, fill='black')
        y += line_height
    return y
