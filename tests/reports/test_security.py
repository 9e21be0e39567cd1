"""Printing never leaks: hostile text stays text, and nothing outside yiyu is fetched (#5).

WeasyPrint's default fetcher reads ``file:///etc/passwd`` as an image, requests loopback
URLs and embeds local files through ``<link rel=attachment>``. These tests put such
markup into a child's name, a note and a daycare's name, and show that it prints as
literal text, that the renderer's fetcher was asked for nothing but yiyu's own font, and
that a loopback server saw no request. They also show the fetcher itself refuses those
URLs, so a template mistake (``|safe``) would still fail closed.
"""

from __future__ import annotations

import base64
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pikepdf
import pytest

import yiyu
from reports.pdfcheck import Poppler, need_renderer

pytestmark = pytest.mark.usefixtures("_renderable")


@pytest.fixture
def _renderable() -> None:
    need_renderer()


class _Counting(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []  # noqa: RUF012 - one list per server class, reset per test

    def do_GET(self) -> None:
        type(self).hits.append(self.path)
        body = base64.b64decode(
            "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
        )
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def loopback() -> Iterator[tuple[str, list[str]]]:
    """An HTTP server on 127.0.0.1 that counts requests (it would serve an image)."""
    handler = type("Handler", (_Counting,), {"hits": []})
    server = http.server.HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler.hits
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _hostile(base: str) -> dict[str, str]:
    return {
        "name": "<img src=file:///etc/passwd>",
        "note": "<link rel=attachment href=file:///etc/hostname>",
        "township": f"url({base}/township.png)",
        # Within a name's 100 characters (yiyu.domain.limits), or it would be refused.
        "daycare": f'<img src="{base}/d.png"><style>@import url({base}/x.css)</style>',
        "guidance": f"</td></tr></table><iframe src={base}/frame></iframe>",
    }


def _flat(text: str) -> str:
    """Text without the line breaks of wrapping (as a person reads across them)."""
    return "".join(text.split())


def _own_assets_only(renderer: Any) -> None:
    asked = renderer.fetcher.requested
    assert asked, "the font at least is fetched"
    assert set(asked) <= {"yiyu-font:sans-sc"}, asked
    assert renderer.fetcher.refused == []


def test_hostile_child_text_prints_as_text_and_fetches_nothing(
    fresh_renderer: Any, poppler: Poppler, loopback: tuple[str, list[str]]
) -> None:
    from yiyu.reports import samples

    base, hits = loopback
    bad = _hostile(base)
    sample = samples.visit("toddler")
    assert isinstance(sample.subject, yiyu.Child)
    child = attrs.evolve(sample.subject, name=bad["name"], township=bad["township"])
    record = yiyu.record(
        attrs.evolve(sample.record.encounter, notes=bad["note"], guidance=bad["guidance"]),
        attrs.evolve(child, cases=(), referrals=()),
        yiyu.load_protocol(),
        as_of=sample.record.encounter.on,
    )
    from yiyu.reports import encounter_document, referral_document

    assert isinstance(record, yiyu.ChildRecord)
    pdf = fresh_renderer.render(
        encounter_document(record, child, institution=bad["daycare"], guardian=bad["name"])
    )
    slip = fresh_renderer.render(
        referral_document(record.opened_referrals[0], child, institution="x", record=record)
    )
    text = _flat(poppler.text(pdf))
    for value in (bad["name"], bad["note"], bad["township"], bad["guidance"], bad["daycare"]):
        assert _flat(value) in text
    assert _flat(bad["name"]) in _flat(poppler.text(slip))
    _own_assets_only(fresh_renderer)
    assert hits == []
    with pikepdf.open(poppler.file(pdf)) as opened:
        assert list(opened.attachments) == [f"{record.encounter.id}.json"]  # nothing else


def test_hostile_daycare_name_prints_as_text_and_fetches_nothing(
    fresh_renderer: Any, poppler: Poppler, loopback: tuple[str, list[str]]
) -> None:
    from yiyu.reports import encounter_document, samples

    base, hits = loopback
    bad = _hostile(base)
    sample = samples.visit("daycare")
    assert isinstance(sample.subject, yiyu.Daycare)
    daycare = attrs.evolve(sample.subject, name=bad["daycare"], township=bad["township"])
    notes = dict.fromkeys(sample.record.encounter.review_notes, bad["note"])
    record = yiyu.record(
        attrs.evolve(sample.record.encounter, review_notes=notes, lecture=bad["name"]),
        daycare,
        yiyu.load_protocol(),
        as_of=sample.record.encounter.on,
    )
    pdf = fresh_renderer.render(encounter_document(record, daycare, institution=bad["name"]))
    text = _flat(poppler.text(pdf))
    for value in (bad["daycare"], bad["note"], bad["name"]):
        assert _flat(value) in text
    _own_assets_only(fresh_renderer)
    assert hits == []


def test_hostile_worklist_rows_print_as_text(
    fresh_renderer: Any, poppler: Poppler, loopback: tuple[str, list[str]]
) -> None:
    from yiyu.reports import samples, worklist_document

    base, hits = loopback
    bad = _hostile(base)
    document = samples.document("worklist")
    rows = [dict(row, subject_name=bad["daycare"]) for row in document.context["rows"]]
    hostile = attrs.evolve(
        document, context={**document.context, "rows": rows, "institution": bad["name"]}
    )
    text = _flat(poppler.text(fresh_renderer.render(hostile)))
    assert _flat(bad["daycare"]) in text
    _own_assets_only(fresh_renderer)
    assert hits == []
    assert worklist_document([], title=bad["name"], as_of=yiyu.to_date("2026-03-02"))


# --- the fetcher itself fails closed ----------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "file:///etc/hostname",
        "FILE:///etc/passwd",
        "file://localhost/etc/passwd",
        "http://127.0.0.1:9/",
        "http://localhost/",
        "https://example.com/a.png",
        "ftp://127.0.0.1/x",
        "data:text/html,<img src=file:///etc/passwd>",
        "data:application/octet-stream;base64,AAAA",
        "yiyu-font:other",
        "javascript:alert(1)",
        "relative.png",
    ],
)
def test_the_fetcher_refuses_everything_but_own_assets(fresh_renderer: Any, url: str) -> None:
    from yiyu.reports.fetcher import RefusedFetchError

    fetcher = fresh_renderer.fetcher
    assert not fetcher.allows(url)
    with pytest.raises(RefusedFetchError):
        fetcher.fetch(url)
    with pytest.raises(RefusedFetchError):
        fetcher(url)
    assert fetcher.refused[-1] == url


def test_the_fetcher_serves_the_font_data_images_and_template_files(
    tmp_path: Path,
) -> None:
    from yiyu.reports import Renderer
    from yiyu.reports.environment import packaged_templates
    from yiyu.reports.fetcher import RefusedFetchError

    own = tmp_path / "own"
    own.mkdir()
    (own / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (own / "page.html").write_text("<p>not an asset</p>", encoding="utf-8")
    outside = tmp_path / "secret.png"
    outside.write_bytes(b"secret")
    (own / "link.png").symlink_to(outside)
    with Renderer(templates=[own]) as renderer:
        fetcher = renderer.fetcher
        assert fetcher.allows("yiyu-font:sans-sc")
        assert fetcher.allows("data:image/png;base64,iVBORw0KGgo=")
        assert fetcher.allows("data:image/svg+xml,%3Csvg%2F%3E")
        assert fetcher.allows((own / "logo.png").as_uri())
        assert fetcher.allows((packaged_templates() / "forms.css").as_uri())
        for refused in (
            (own / "page.html").as_uri(),
            (own / "link.png").as_uri(),  # a link out of the directory
            (own / "missing.png").as_uri(),
            own.as_uri() + "/../secret.png",
            (own / "logo.png").as_uri() + "?x=1",
            outside.as_uri(),
        ):
            assert not fetcher.allows(refused), refused
            with pytest.raises(RefusedFetchError):
                fetcher.fetch(refused)
        response = fetcher.fetch((own / "logo.png").as_uri())
        assert response.read() == b"\x89PNG\r\n\x1a\n"
        assert response.content_type == "image/png"


# --- and a render that asks for anything else is aborted ----------------------------------------


@pytest.mark.parametrize(
    "markup",
    [
        '<img src="file:///etc/passwd">',
        '<link rel="attachment" href="file:///etc/hostname">',
        '<a rel="attachment" href="file:///etc/hostname">x</a>',
        '<img src="{base}/pixel.png">',
        '<p style="background: url({base}/bg.png)">x</p>',
        "<style>@import url({base}/x.css);</style>",
        '<link rel="stylesheet" href="{base}/x.css">',
        '<object data="file:///etc/passwd"></object>',
        '<svg xmlns="http://www.w3.org/2000/svg"><image href="file:///etc/passwd" '
        'width="10" height="10"/></svg>',
        '<img src="data:image/svg+xml;base64,{svg}">',
    ],
)
def test_unescaped_markup_would_fetch_and_the_render_is_aborted(
    fresh_renderer: Any, loopback: tuple[str, list[str]], markup: str
) -> None:
    from yiyu.reports import UnsafeResourceError

    base, hits = loopback
    svg = base64.b64encode(
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        b'width="10" height="10"><image xlink:href="file:///etc/passwd" width="10" '
        b'height="10"/></svg>'
    ).decode()
    html = f"<html><body><p>x</p>{markup.format(base=base, svg=svg)}</body></html>"
    with pytest.raises(UnsafeResourceError) as raised:
        fresh_renderer.render_html(html)
    assert raised.value.url.startswith(("file:", "http:", "data:"))
    assert hits == []
    fetcher = fresh_renderer.fetcher
    for url in fetcher.requested:
        own = url == "yiyu-font:sans-sc" or url.startswith("data:image/")
        assert own or url in fetcher.refused, url
