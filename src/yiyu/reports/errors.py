"""The errors and warnings of the renderer."""

from __future__ import annotations

from yiyu.errors import YiyuError

__all__ = ["RenderError", "SlowRenderingWarning", "UnsafeResourceError"]


class RenderError(YiyuError):
    """A document could not be rendered: a missing system library, font or template."""


class UnsafeResourceError(RenderError):
    """A document asked for a resource that is not one of yiyu's own assets.

    The render is aborted (fail closed): nothing was fetched.

    Attributes:
        url: what was asked for (cut to 200 characters).
    """

    def __init__(self, url: str) -> None:
        self.url = url[:200]
        super().__init__(
            f"refused to fetch {self.url!r}: printed documents may only use yiyu's own "
            "fonts, template images and data: images"
        )


class SlowRenderingWarning(UserWarning):
    """A system library that makes rendering fast is missing (libharfbuzz-subset0)."""
