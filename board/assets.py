"""Where the files served to screens live: stylesheets, keyboard, icon, fonts (no CDN: a wall may have no internet).

In the repository they are the top-level ``assets/`` folder; a wheel carries them as ``board/static`` (pyproject maps
that subpackage to ``assets/``), so an installed hub serves them without a checkout. An editable install
(``pip install -e .``) runs from the checkout and uses ``assets/`` directly.
"""

from pathlib import Path

__all__ = ['ASSETS', 'FONT_BOLD', 'FONT_REGULAR']

_PACKAGED = Path(__file__).resolve().parent / 'static'
ASSETS = _PACKAGED if _PACKAGED.is_dir() else Path(__file__).resolve().parent.parent / 'assets'
FONT_REGULAR = ASSETS / 'fonts' / 'DejaVuSans.ttf'
FONT_BOLD = ASSETS / 'fonts' / 'DejaVuSans-Bold.ttf'
