"""WeasyPrint, loaded once with a clear error when its system libraries are missing."""

from __future__ import annotations

from yiyu.reports.errors import RenderError
from yiyu.reports.fonts import check_system_libraries

# Before the import: without pango WeasyPrint fails with an OSError about a file name.
check_system_libraries(warn=False)

try:
    import weasyprint  # type: ignore[import-untyped]
    from weasyprint.css import ColorProfile  # type: ignore[import-untyped]
    from weasyprint.text.fonts import FontConfiguration  # type: ignore[import-untyped]
    from weasyprint.urls import (  # type: ignore[import-untyped]
        FatalURLFetchingError,
        URLFetcher,
        URLFetcherResponse,
    )
except OSError as error:  # pragma: no cover - depends on the machine
    raise RenderError(
        f"WeasyPrint cannot load its system libraries ({error}): install libpango-1.0-0, "
        "libpangoft2-1.0-0 and libharfbuzz-subset0 (scripts/system-deps.sh)"
    ) from error

__all__ = [
    "ColorProfile",
    "FatalURLFetchingError",
    "FontConfiguration",
    "URLFetcher",
    "URLFetcherResponse",
    "weasyprint",
]
