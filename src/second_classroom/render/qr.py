"""QR codes as inline SVG (segno: no network, no image files)."""

from __future__ import annotations

import io

import segno


def qr_svg(url: str, scale: int = 4, title: str = "") -> str:
    """Return an SVG QR code for `url` (error correction M, quiet zone 4 modules)."""
    out = io.BytesIO()
    segno.make_qr(url, error="m").save(
        out, kind="svg", scale=scale, border=4, xmldecl=False, svgns=True,
        title=title or None, svgclass="qr", lineclass=None, dark="#000", light="#fff",
    )
    return out.getvalue().decode("utf-8")
