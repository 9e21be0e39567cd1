"""WeasyPrint rendering: fonts, stylesheet, templates and fetcher built once, PDF/A-3b out.

A :class:`Renderer` holds what is expensive to build (the font configuration with its
copy of the Chinese font, the parsed stylesheet, the jinja2 environment and the safe
fetcher) and renders any number of :class:`~yiyu.reports.context.PrintDocument` values
with them. Every PDF is PDF/A-3b, embeds the document's data as a JSON file, carries a
title, an author (the institution), the language and the document's date as metadata,
and is the same, byte for byte, each time the same document is rendered: its
identifier is a digest of the content and its dates are the document's, never the
clock's.
"""

from __future__ import annotations

import atexit
import datetime as dt
import functools
import hashlib
import importlib.resources
import io
import os
import shutil
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Final

import pendulum

from yiyu.reports._weasyprint import (
    ColorProfile,
    FatalURLFetchingError,
    FontConfiguration,
    weasyprint,
)
from yiyu.reports.context import PrintDocument
from yiyu.reports.environment import make_environment, read_stylesheet, template_dirs
from yiyu.reports.errors import RenderError, UnsafeResourceError
from yiyu.reports.fetcher import SafeFetcher
from yiyu.reports.fonts import check_system_libraries, font_files

__all__ = ["PDF_VARIANT", "Renderer", "default_renderer", "render"]

PDF_VARIANT: Final = "pdf/a-3b"
LANG: Final = "zh-CN"
# The PDF/A output intent: WeasyPrint's own sRGB profile, read once per renderer. Left to
# WeasyPrint, "srgb" opens the profile file at each render and never closes it; and a
# profile object must not be reused, as its serialisation changes the second time.
_OUTPUT_INTENT: Final = "--yiyu-srgb"
_ICC: Final = "sRGB2014.icc"


def _midnight(day: pendulum.Date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


class Renderer:
    """Renders print documents to PDF bytes.

    Build one per process and reuse it: the font configuration, stylesheet, templates
    and fetcher are made once. Not for use from several threads at once.

    Args:
        templates: host template directories to search before yiyu's own (a file there
            replaces yiyu's of the same name, ``forms.css`` included).

    Raises:
        RenderError: if pango, the Chinese font or the templates are missing.

    Warns:
        SlowRenderingWarning: if libharfbuzz-subset0 is missing.
    """

    def __init__(self, *, templates: Iterable[str | os.PathLike[str]] = ()) -> None:
        self._closed = False
        check_system_libraries()
        self.template_dirs = template_dirs(templates)
        self.fetcher = SafeFetcher(fonts=font_files(), roots=self.template_dirs)
        self.environment = make_environment(self.template_dirs)
        self.font_config = FontConfiguration()
        self._icc = (importlib.resources.files("weasyprint.pdf") / _ICC).read_bytes()
        css, css_dir = read_stylesheet(self.template_dirs)
        try:
            self.stylesheet = weasyprint.CSS(
                string=css,
                base_url=css_dir.as_uri() + "/",
                url_fetcher=self.fetcher,
                font_config=self.font_config,
            )
        except FatalURLFetchingError:
            self.close()
            raise UnsafeResourceError(self.fetcher.refused[-1]) from None

    @property
    def font_folder(self) -> Path | None:
        """Where WeasyPrint keeps its copy of the font while this renderer lives."""
        folder = getattr(self.font_config, "_folder", None)
        return Path(folder) if folder else None

    def close(self) -> None:
        """Remove the temporary font copies now (rather than whenever WeasyPrint's
        ``__del__`` happens to run)."""
        folder = self.font_folder
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
        self._closed = True

    def __enter__(self) -> Renderer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- rendering ---------------------------------------------------------------------------

    def html(self, document: PrintDocument) -> str:
        """The filled template (for debugging and host previews)."""
        return self._fill(document)[0]

    def _fill(self, document: PrintDocument) -> tuple[str, Path]:
        """The filled template, and the folder it came from (relative URLs start there)."""
        template = self.environment.get_template(document.template)
        folder = Path(template.filename).parent if template.filename else self.template_dirs[-1]
        return template.render(
            doc={
                "title": document.title,
                "author": document.author,
                "day": document.day.isoformat(),
                "lang": LANG,
                "kind": document.kind,
            },
            **document.context,
        ), folder

    def _srgb(self) -> Any:
        return ColorProfile(
            io.BytesIO(self._icc), _ICC, "relative-colorimetric", (["r"], ["g"], ["b"])
        )

    def _layout(self, html: str, base: Path | None = None) -> Any:
        if self._closed:
            raise RenderError("this renderer was closed")
        refused_before = len(self.fetcher.refused)
        try:
            layout = weasyprint.HTML(
                string=html,
                base_url=(base or self.template_dirs[-1]).as_uri() + "/",
                url_fetcher=self.fetcher,
            ).render(
                stylesheets=[self.stylesheet],
                font_config=self.font_config,
                color_profiles={_OUTPUT_INTENT: self._srgb()},
                output_intent=_OUTPUT_INTENT,
            )
        except FatalURLFetchingError:
            raise UnsafeResourceError(self.fetcher.refused[-1]) from None
        self._fail_if_refused(refused_before)
        return layout

    def _fail_if_refused(self, refused_before: int) -> None:
        # WeasyPrint swallows every error while drawing an SVG image, even ours; the
        # fetch was refused all the same, and the render must still fail.
        if len(self.fetcher.refused) > refused_before:
            raise UnsafeResourceError(self.fetcher.refused[refused_before])

    def layout(self, document: PrintDocument) -> Any:
        """Lay the document out: a WeasyPrint ``Document`` (pages not yet written)."""
        return self._layout(*self._fill(document))

    def _write(self, layout: Any, documents: Sequence[PrintDocument]) -> bytes:
        first = documents[0]
        attachments = [
            weasyprint.Attachment(
                string=document.data,
                url_fetcher=self.fetcher,
                name=document.attachment_name,
                description=document.title,
                created=_midnight(document.day),
                modified=_midnight(document.day),
                relationship="Data",
            )
            for document in documents
        ]
        identifier = first.identifier
        if len(documents) > 1:
            identifier = _combined_identifier(documents)
        refused_before = len(self.fetcher.refused)
        try:
            pdf: bytes = layout.write_pdf(
                pdf_variant=PDF_VARIANT,
                pdf_identifier=identifier,
                attachments=attachments,
                output_intent=_OUTPUT_INTENT,
            )
        except FatalURLFetchingError:
            raise UnsafeResourceError(self.fetcher.refused[-1]) from None
        self._fail_if_refused(refused_before)
        return pdf

    def render(self, document: PrintDocument) -> bytes:
        """The document as PDF/A-3b bytes, with its data embedded as JSON.

        Raises:
            UnsafeResourceError: if the filled template asked for anything but yiyu's own
                assets (nothing was fetched; no PDF is made).
            jinja2.TemplateError: if a (host) template is broken.
        """
        return self._write(self.layout(document), [document])

    def render_html(self, html: str, *, title: str = "yiyu") -> bytes:
        """Render HTML that did not come from a template, with the same fetcher and
        stylesheet (for tests of the fetcher, and host previews). No data is embedded."""
        day = pendulum.Date(2000, 1, 1)
        document = PrintDocument(
            kind="html",
            template="",
            title=title,
            author="yiyu",
            day=day,
            township=None,
            context={},
            data=b"{}",
            attachment_name="empty.json",
        )
        return self._write(self._layout(html), [document])

    def render_bundle(self, documents: Sequence[PrintDocument], *, title: str) -> bytes:
        """Several documents in one PDF (for printing), each with its data embedded.

        The pages keep each document's own numbering; the PDF's metadata is the first
        document's, with ``title``.
        """
        if not documents:
            raise RenderError("a bundle needs at least one document")
        layouts = [self.layout(document) for document in documents]
        combined = layouts[0].copy([page for layout in layouts for page in layout.pages])
        combined.metadata.title = title
        return self._write(combined, list(documents))


def _combined_identifier(documents: Sequence[PrintDocument]) -> bytes:
    digest = hashlib.sha256(b"".join(document.identifier for document in documents))
    return digest.hexdigest()[:32].encode("ascii")


@functools.lru_cache(maxsize=4)
def _cached(templates: tuple[str, ...]) -> Renderer:
    renderer = Renderer(templates=templates)
    atexit.register(renderer.close)
    return renderer


def default_renderer(templates: Iterable[str | os.PathLike[str]] = ()) -> Renderer:
    """This process's renderer for these template directories, built on first use."""
    return _cached(tuple(str(Path(t).resolve()) for t in templates))


def render(document: PrintDocument, *, templates: Iterable[str | os.PathLike[str]] = ()) -> bytes:
    """A document from one of the builders (:func:`~yiyu.reports.encounter_document`,
    :func:`~yiyu.reports.worklist_document` …) as PDF/A-3b bytes, with its data embedded.

    Args:
        document: what the builder made.
        templates: host template directories searched before yiyu's (a file there
            replaces yiyu's of the same name).

    Raises:
        UnsafeResourceError: if a template asked for a resource that is not yiyu's.
        RenderError: if the font, pango or the templates are missing.
    """
    return default_renderer(templates).render(document)
