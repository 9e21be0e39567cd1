"""The only way a printed document reaches anything outside itself: yiyu's own assets.

WeasyPrint's default fetcher reads any ``file:`` URL (``file:///etc/passwd`` as an
image), requests any ``http:`` URL (loopback services included) and embeds local files
through ``<link rel=attachment>``. Templates autoescape, so data can never add such an
element; this fetcher is the second wall, failing closed: it serves

* the fonts of :mod:`yiyu.reports.fonts` at their ``yiyu-font:`` URLs,
* image and stylesheet files inside the template directories (symbolic links resolved,
  so ``..`` and links cannot leave them), and
* ``data:`` URLs of images,

and aborts the render on anything else. It is given to every ``HTML``, ``CSS`` and
``Attachment`` the renderer builds. It keeps the list of URLs it was asked for, so tests
can show that nothing else was ever requested.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Final
from urllib.parse import unquote_to_bytes, urlsplit
from urllib.request import url2pathname

from yiyu.reports._weasyprint import FatalURLFetchingError, URLFetcher, URLFetcherResponse
from yiyu.reports.fonts import FONT_URLS

__all__ = ["IMAGE_TYPES", "RefusedFetchError", "SafeFetcher"]

IMAGE_TYPES: Final = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".svg": "image/svg+xml",
    ".webp": "image/webp",
}
"""Template files the fetcher serves, by suffix (and stylesheets, ``.css``)."""

_FILE_TYPES: Final = {**IMAGE_TYPES, ".css": "text/css"}
_DATA_TYPES: Final = frozenset(IMAGE_TYPES.values())
_LOGGED: Final = 200


class RefusedFetchError(FatalURLFetchingError):  # type: ignore[misc]
    """Raised inside WeasyPrint to stop the render: a ``BaseException``, so it is not
    swallowed by WeasyPrint's handlers of ordinary errors."""


class SafeFetcher(URLFetcher):  # type: ignore[misc]
    """A WeasyPrint URL fetcher that serves yiyu's own assets and refuses the rest.

    Args:
        fonts: font id → file (from :func:`yiyu.reports.fonts.font_files`).
        roots: the template directories whose image and ``.css`` files may be served.

    Attributes:
        requested: every URL asked for, in order (cut to 200 characters).
        refused: the URLs refused, in order.
    """

    def __init__(self, *, fonts: Mapping[str, Path], roots: Iterable[Path]) -> None:
        super().__init__(fail_on_errors=True, allowed_protocols=("yiyu-font", "file", "data"))
        self._fonts = {FONT_URLS[font_id]: path for font_id, path in fonts.items()}
        self._roots = tuple(Path(root).resolve() for root in roots)
        self.requested: list[str] = []
        self.refused: list[str] = []

    def fetch(self, url: str, headers: Mapping[str, str] | None = None) -> Any:
        """Serve ``url`` if it is one of yiyu's assets.

        Returns:
            A WeasyPrint ``URLFetcherResponse``.

        Raises:
            RefusedFetchError: for anything else (WeasyPrint stops the render).
        """
        self.requested.append(str(url)[:_LOGGED])
        served = self._serve(str(url))
        if served is None:
            self.refused.append(str(url)[:_LOGGED])
            raise RefusedFetchError(f"refused: {str(url)[:_LOGGED]!r}")
        body, content_type = served
        return URLFetcherResponse(url, body, {"Content-Type": content_type})

    def open(self, url: Any, data: Any = None, timeout: Any = None) -> Any:
        # URLFetcher is a urllib OpenerDirector: its open() must not reach urllib either.
        return self.fetch(getattr(url, "full_url", url))

    def __call__(self, url: str) -> Any:
        return self.fetch(url)

    def allows(self, url: str) -> bool:
        """Whether ``url`` would be served (without recording the question)."""
        return self._serve(url) is not None

    def _serve(self, url: str) -> tuple[bytes, str] | None:
        if url in self._fonts:
            return self._fonts[url].read_bytes(), "font/otf"
        scheme = url.partition(":")[0].lower()
        if scheme == "data":
            return _data_url(url)
        if scheme == "file":
            return self._template_file(url)
        return None

    def _template_file(self, url: str) -> tuple[bytes, str] | None:
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost") or parts.query or parts.fragment:
            return None
        try:
            path = Path(url2pathname(parts.path)).resolve(strict=True)
        except (OSError, RuntimeError, ValueError):
            return None
        content_type = _FILE_TYPES.get(path.suffix.lower())
        if content_type is None or not path.is_file():
            return None
        if not any(path.is_relative_to(root) for root in self._roots):
            return None
        return path.read_bytes(), content_type


def _data_url(url: str) -> tuple[bytes, str] | None:
    """Decode a ``data:`` URL of an image type; ``None`` for anything else."""
    header, comma, payload = url[len("data:") :].partition(",")
    if not comma:
        return None
    params = [part.strip().lower() for part in header.split(";")]
    content_type = params[0]
    if content_type not in _DATA_TYPES:
        return None
    raw = unquote_to_bytes(payload)
    if "base64" in params[1:]:
        try:
            return base64.b64decode(raw, validate=False), content_type
        except binascii.Error:
            return None
    return raw, content_type
