"""The Chinese font printed documents use, and the system libraries WeasyPrint needs.

Documents are set in Noto Sans SC Regular (SIL Open Font License), shipped on PyPI by
``pylopdf-fonts-zh-cn``, so ``pip install`` is all a host needs: no system font has to be
installed, and every PDF embeds the same face. The font has no bold, and WeasyPrint does
not synthesise one (a bold run would embed a second copy of the face), so the forms use
size, rules and shading for emphasis, never ``font-weight: bold``.

The stylesheet names the font with yiyu's own URL scheme (``yiyu-font:sans-sc``) and the
fetcher (:mod:`yiyu.reports.fetcher`) serves it: no path is ever interpolated into CSS.
"""

from __future__ import annotations

import ctypes.util
import logging
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Final

from yiyu.reports.errors import RenderError, SlowRenderingWarning

__all__ = [
    "FONT_FAMILY",
    "FONT_PACKAGE",
    "FONT_URLS",
    "check_system_libraries",
    "font_files",
]

LOGGER = logging.getLogger("yiyu.reports")

FONT_PACKAGE: Final = "pylopdf-fonts-zh-cn"
FONT_FAMILY: Final = "Noto Sans SC"
"""The family name the stylesheet uses; embedded fonts are named ``XXXXXX+Noto-Sans-SC``."""

FONT_URLS: Final = {"sans-sc": "yiyu-font:sans-sc"}
"""The URLs the stylesheet's ``@font-face`` rules use, by font id."""

_HARFBUZZ_SUBSET_PACKAGE: Final = "libharfbuzz-subset0"


def font_files() -> Mapping[str, Path]:
    """The font files by id (``sans-sc``), from the ``pylopdf-fonts-zh-cn`` package.

    Raises:
        RenderError: if the package is not installed or its font file is missing.
    """
    try:
        from pylopdf_fonts_zh_cn import sans_path
    except ImportError:
        raise RenderError(
            f"the Chinese font package {FONT_PACKAGE} is not installed: pip install {FONT_PACKAGE}"
        ) from None
    path = Path(sans_path())
    if not path.is_file():
        raise RenderError(f"{FONT_PACKAGE} is installed but {path} is missing: reinstall it")
    return {"sans-sc": path}


def check_system_libraries(
    find_library: Callable[[str], str | None] = ctypes.util.find_library,
    *,
    warn: bool = True,
) -> tuple[str, ...]:
    """Check the system libraries WeasyPrint loads; warn about the ones that slow it down.

    Without libharfbuzz-subset0 WeasyPrint subsets fonts with fontTools, about 16 times
    slower (some 5 s a page with a CJK font instead of 0.1-0.3 s).

    Args:
        find_library: how to look a library up (``ctypes.util.find_library``).
        warn: whether to warn and log about a missing optional library.

    Returns:
        The Debian packages that are missing but optional (empty when all is well).

    Raises:
        RenderError: naming the packages to install, if pango is missing (nothing can
            be rendered without it).

    Warns:
        SlowRenderingWarning: naming ``libharfbuzz-subset0``, if it is missing; the same
            line is logged on the ``yiyu.reports`` logger.
    """
    if find_library("pango-1.0") is None or find_library("pangoft2-1.0") is None:
        raise RenderError(
            "WeasyPrint needs pango: install the system packages libpango-1.0-0 and "
            "libpangoft2-1.0-0 (sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0, "
            "or run scripts/system-deps.sh)"
        )
    if find_library("harfbuzz-subset") is None:
        message = (
            f"{_HARFBUZZ_SUBSET_PACKAGE} is not installed: printing will be 10-16 times "
            f"slower (sudo apt-get install {_HARFBUZZ_SUBSET_PACKAGE})"
        )
        if warn:
            LOGGER.warning(message)
            warnings.warn(message, SlowRenderingWarning, stacklevel=3)
        return (_HARFBUZZ_SUBSET_PACKAGE,)
    return ()
