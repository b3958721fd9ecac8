"""Where the files served to screens live: stylesheet, icon, fonts (no CDN: wall screens may have no internet)."""

from pathlib import Path

__all__ = ['ASSETS', 'FONT_BOLD', 'FONT_REGULAR']

# inside the package when installed from a wheel, beside it in a checkout (pip install -e .)
_PACKAGED = Path(__file__).resolve().parent / 'assets'
ASSETS = _PACKAGED if _PACKAGED.is_dir() else Path(__file__).resolve().parent.parent / 'assets'
FONT_REGULAR = ASSETS / 'fonts' / 'DejaVuSans.ttf'
FONT_BOLD = ASSETS / 'fonts' / 'DejaVuSans-Bold.ttf'
