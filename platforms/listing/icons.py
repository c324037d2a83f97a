"""Each platform's icons, rendered from the one ``logo.svg`` (CairoSVG, on Debian's libcairo2)."""

from __future__ import annotations

from pathlib import Path

import cairosvg

LOGO = Path(__file__).parent / "logo.svg"
_DARK_BACKGROUND = "#ff8a3d"  # the brand colour lightened, so the icon stands out on n8n's dark canvas


def svg(color: str, dark: bool = False) -> str:
    """The logo as SVG text with the brand ``color`` as its background (a lighter one for dark themes)."""
    text = LOGO.read_text()
    return text.replace('fill="#e8590c"', f'fill="{_DARK_BACKGROUND if dark else color}"', 1)


def png(size: int, color: str) -> bytes:
    """The logo as a square PNG of ``size`` pixels."""
    data = cairosvg.svg2png(bytestring=svg(color).encode(), output_width=size, output_height=size)
    assert isinstance(data, bytes)
    return data
