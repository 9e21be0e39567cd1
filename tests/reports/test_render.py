"""Rendered PDFs as a person sees them: the Chinese font embedded, the text, the pages,
the look (against stored reference images), the archival metadata, and the same bytes
every time.

Reference images: page 1 of each sample document at 30 dpi in grey, in
``tests/reports/reference/``. Regenerate them after an intended change of layout with::

    YIYU_UPDATE_REFERENCES=1 PYTHONPATH=src pytest tests/reports/test_render.py -k reference

and look at them before committing. Tolerance: the mean absolute difference of the grey
values must stay at or under 1.0 (of 255), and at most 0.1% of the pixels may differ by
more than 64. That absorbs anti-aliasing differences between poppler and freetype
versions, but not a moved line, another font or a changed sentence (one sentence of
guidance changed gives a mean of 0.24 but 0.19% of the pixels).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pendulum
import pikepdf
import pytest

from reports.pdfcheck import Poppler, need_renderer

REFERENCE = Path(__file__).parent / "reference"
UPDATE = os.environ.get("YIYU_UPDATE_REFERENCES") == "1"
MEAN_TOLERANCE = 1.0
PIXEL_DELTA = 64
PIXEL_SHARE = 0.001

PAGES = {
    "newborn": 2,
    "infant": 2,
    "toddler": 2,
    "preschool": 2,
    "daycare": 1,
    "rearing_risk": 1,
    "referral": 1,
    "worklist": 1,
}

# What must be readable on each document (pdftotext -raw), beyond its title. The samples
# are recorded under the packaged protocol, which prints WS/T 423—2022's evaluation.
TEXTS = {
    "newborn": ["王小宝", "330102********0318", "138****5678", "出生孕周", "39+2周", "3350 g",
                "体格生长评价（WS/T 423—2022《7岁以下儿童生长标准》）", "年龄别体重", "3.52 kg",
                "百分位数法（表1）", "标准差法（表2）", "营养状况（表3）", "SD位置（插值）",
                "表A.1/B.1 0月～1月", "随访医生签名", "城东街道社区卫生服务中心", "生长曲线",
                "年龄别体重（WS/T 423—2022，男，2岁内）", "附录B"],
    "infant": ["李朵朵", "6月龄健康检查", "发音少，不会笑出声", "血红蛋白 118 g/L", "正常",
               "下次随访日期"],
    "toddler": ["张乐乐", "呼唤名字无反应", "有", "轻度贫血", "心理行为发育偏异转诊",
                "孤独症复筛转诊", "县级妇幼保健机构", "矫正"],
    "preschool": ["陈可可", "年龄别身高", "103.0 cm", "身高别体重", "肥胖", "6岁9月内", "视力检查"],
    "daycare": ["阳光托育园", "不合格", "观察室兼作储物间，未配观察床", "整改期限",
                "2026年4月3日前", "婴幼儿春季常见传染病的预防", "托育机构负责人"],
    "rearing_risk": ["刘安安", "安全保障", "14 / 34", "风险等级", "孤儿"],
    "referral": ["儿童转诊单", "转诊回执", "呼唤名字无反应", "2026年3月14日前",
                 "0571-86000000", "135****8888"],
    "worklist": ["儿童保健工作清单", "已逾期", "陈可可", "阳光托育园", "36月龄健康检查"],
}  # fmt: skip


@pytest.fixture(params=sorted(PAGES))
def name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def rendered(renderer: Any, sample_documents: Callable[..., Any]) -> dict[str, bytes]:
    """Each sample rendered once for the module's tests (reading a PDF does not change it)."""
    return {name: renderer.render(sample_documents(name)) for name in PAGES}


@pytest.fixture
def pdf(rendered: dict[str, bytes], name: str) -> bytes:
    return rendered[name]


def test_every_font_is_the_embedded_chinese_font(poppler: Poppler, pdf: bytes) -> None:
    fonts = poppler.fonts(pdf)
    assert fonts, "no font at all"
    for font in fonts:
        assert font["name"].endswith("+Noto-Sans-SC"), font
        assert (font["emb"], font["sub"], font["uni"]) == ("yes", "yes", "yes"), font


def test_the_text_round_trips(
    poppler: Poppler, pdf: bytes, name: str, sample_documents: Callable[..., Any]
) -> None:
    # Text wraps in narrow cells: compare without the line breaks a person reads across.
    text = "".join(poppler.text(pdf).split())
    document = sample_documents(name)
    assert "".join(document.context["form"]["title"].split()) in text
    for expected in TEXTS[name]:
        assert "".join(expected.split()) in text, expected


@pytest.mark.parametrize("name", ["newborn", "infant", "toddler", "preschool", "rearing_risk"])
def test_no_full_identity_or_phone_number_is_printed(
    renderer: Any, poppler: Poppler, name: str
) -> None:
    from yiyu.reports import samples

    sample = samples.visit(name)
    text = "".join(poppler.text(renderer.render(samples.document(name))).split())
    full_id = sample.subject.resident_id  # type: ignore[union-attr]
    assert full_id
    assert full_id not in text
    assert full_id[6:14] not in text  # not even the birth date digits
    assert sample.phone
    assert "".join(sample.phone.split()) not in text


def test_page_count(poppler: Poppler, pdf: bytes, name: str) -> None:
    assert poppler.pages(pdf) == PAGES[name]


def test_looks_like_the_reference(poppler: Poppler, pdf: bytes, name: str) -> None:
    from PIL import Image, ImageChops, ImageStat

    png = poppler.png(pdf)
    reference = REFERENCE / f"{name}.png"
    if UPDATE:
        REFERENCE.mkdir(exist_ok=True)
        shutil.copyfile(png, reference)
        pytest.skip(f"reference image {reference.name} written")
    assert reference.is_file(), f"no reference image: run with YIYU_UPDATE_REFERENCES=1 ({name})"
    with Image.open(png) as got_image, Image.open(reference) as want_image:
        got, want = got_image.convert("L"), want_image.convert("L")
        assert got.size == want.size
        diff = ImageChops.difference(got, want)
        mean = ImageStat.Stat(diff).mean[0]
        histogram = diff.histogram()
        share = sum(histogram[PIXEL_DELTA + 1 :]) / (got.size[0] * got.size[1])
    assert mean <= MEAN_TOLERANCE, f"{name}: mean difference {mean:.2f}"
    assert share <= PIXEL_SHARE, f"{name}: {share:.2%} of pixels differ"


def test_pdfa_metadata_and_the_embedded_record(
    poppler: Poppler, pdf: bytes, name: str, sample_documents: Callable[..., Any]
) -> None:
    document = sample_documents(name)
    info = poppler.info(pdf)
    assert info["Title"] == document.title
    assert info["Author"] == document.author
    with pikepdf.open(poppler.file(pdf)) as opened:
        stamp = f"D:{document.day.format('YYYYMMDD')}"  # the document's day, not the clock
        assert str(opened.docinfo.CreationDate) == stamp
        assert str(opened.docinfo.ModDate) == stamp
        assert str(opened.Root.Lang) == "zh-CN"
        meta = opened.open_metadata()
        assert meta["pdfaid:part"] == "3"
        assert meta["pdfaid:conformance"] == "B"
        assert meta["dc:title"] == document.title
        files = opened.attachments
        assert list(files) == [document.attachment_name]
        spec = files[document.attachment_name]
        assert str(spec.obj.AFRelationship) == "/Data"
        assert spec.get_file().read_bytes() == document.data
        data = json.loads(spec.get_file().read_bytes())
        assert data["schema"] == "yiyu.print/1"
        assert str(opened.Root.OutputIntents[0].S) == "/GTS_PDFA1"


def test_same_document_same_bytes(
    renderer: Any, sample_documents: Callable[..., Any], pdf: bytes, name: str
) -> None:
    from yiyu.reports import Renderer, samples

    assert renderer.render(sample_documents(name)) == pdf
    # Built again from the same facts, in a renderer of its own.
    with Renderer() as other:
        assert other.render(samples.document(name)) == pdf


def test_different_content_different_identifier(
    renderer: Any, sample_documents: Callable[..., Any]
) -> None:
    masked = renderer.render(sample_documents("newborn"))
    full = renderer.render(sample_documents("newborn", show_full_ids=True))
    assert masked != full


def test_one_function_renders_what_every_builder_makes() -> None:
    # One render(document) beside the *_document builders, not a render_* twin for each.
    from yiyu import reports
    from yiyu.reports.render import default_renderer

    rendering = sorted(name for name in reports.__all__ if name.startswith("render"))
    assert rendering == ["render", "render_batch"]
    builders = [name for name in reports.__all__ if name.endswith("_document")]
    assert len(builders) == 5
    need_renderer()
    document = reports.worklist_document([], title="空清单", as_of=pendulum.Date(2026, 5, 6))
    assert reports.render(document) == default_renderer().render(document)


def test_public_functions_render_records(poppler: Poppler) -> None:
    need_renderer()
    from yiyu.outcomes import ChildRecord
    from yiyu.reports import (
        encounter_document,
        rearing_risk_document,
        referral_document,
        render,
        samples,
        worklist_document,
    )

    infant = samples.visit("infant")
    pdf = render(encounter_document(infant.record, infant.subject, institution="城西卫生院"))
    assert "城西卫生院" in poppler.text(pdf)
    daycare = samples.visit("daycare")
    assert "阳光托育园" in poppler.text(
        render(encounter_document(daycare.record, daycare.subject, institution="城西卫生院"))
    )
    risk = samples.visit("rearing_risk")
    assert isinstance(risk.record, ChildRecord)
    assert "养育风险评估记录" in poppler.text(
        render(rearing_risk_document(risk.record, risk.subject, institution="城西卫生院"))  # type: ignore[arg-type]
    )
    toddler = samples.visit("toddler")
    assert isinstance(toddler.record, ChildRecord)
    slip = render(
        referral_document(
            toddler.record.opened_referrals[1],
            toddler.subject,  # type: ignore[arg-type]
            institution="城西卫生院",
            record=toddler.record,
            to="市妇幼保健院",
            show_full_ids=True,
        )
    )
    text = poppler.text(slip)
    assert "市妇幼保健院" in text
    assert toddler.subject.resident_id in text  # type: ignore[union-attr]
    empty = render(worklist_document([], title="空清单", as_of=infant.record.encounter.on))
    assert "没有应做或逾期的服务" in poppler.text(empty)


def test_a_suggestion_after_the_window_is_marked_on_the_printed_list(
    renderer: Any, poppler: Poppler, sample_documents: Callable[..., Any]
) -> None:
    import yiyu
    from yiyu.jobs.worklist import WorklistItem
    from yiyu.reports import worklist_document

    # Born 19 Jan 2026: the 满月 window (16–18 Feb) lies in the Spring Festival holiday.
    child = yiyu.Child(id="C5", name="赵小满", sex="F", birth_date="2026-01-19")
    as_of = yiyu.to_date("2026-02-16")
    [ob] = [o for o in yiyu.schedule(child, yiyu.load_protocol(), until=as_of)
            if o.rule == "one_month"]  # fmt: skip
    item = WorklistItem(
        obligation=ob, status=yiyu.Status.DUE, subject_name=child.name, township=None,
        assignee=None, suggested=yiyu.suggest_date(ob, as_of=as_of), days_overdue=0,
    )  # fmt: skip
    document = worklist_document([item], title="春节工作清单", as_of=as_of)
    assert document.context["outside_window"] == 1
    text = "".join(poppler.text(renderer.render(document)).split())
    assert "2026-02-24时限外*" in text
    assert "时限后的第一个工作日" in text
    plain = "".join(poppler.text(renderer.render(sample_documents("worklist"))).split())
    assert "时限外" not in plain  # no marker and no footnote when none is outside


def test_a_host_template_directory_overrides_yiyus(tmp_path: Path, poppler: Poppler) -> None:
    need_renderer()
    from yiyu.reports import Renderer, samples
    from yiyu.reports.environment import packaged_templates

    own = tmp_path / "templates"
    own.mkdir()
    slip = (packaged_templates() / "referral.html").read_text(encoding="utf-8")
    logo = '<img src="logo.png" alt="">转诊回执（本市格式）'
    (own / "referral.html").write_text(slip.replace("转诊回执", logo), encoding="utf-8")
    (own / "logo.png").write_bytes(_tiny_png())
    with Renderer(templates=[own]) as renderer:
        text = poppler.text(renderer.render(samples.document("referral")))
        assert "回执（本市格式）" in text
        # The host's image, next to its template, is one of the assets served.
        assert (own / "logo.png").resolve().as_uri() in renderer.fetcher.requested
        assert renderer.fetcher.refused == []
        infant = poppler.text(renderer.render(samples.document("infant")))
        assert "1岁以内儿童健康检查记录表" in infant  # not overridden: yiyu's own


def _tiny_png() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("L", (2, 2), 0).save(buffer, format="PNG")
    return buffer.getvalue()


def test_the_font_copy_is_removed_when_the_renderer_closes() -> None:
    need_renderer()
    from yiyu.reports import Renderer, samples

    renderer = Renderer()
    renderer.render(samples.document("referral"))
    folder = renderer.font_folder
    assert folder is not None
    assert folder.is_dir()
    renderer.close()
    assert not folder.exists()


def test_missing_harfbuzz_subset_is_named_in_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    from yiyu.reports import SlowRenderingWarning
    from yiyu.reports.fonts import check_system_libraries

    def without_subset(name: str) -> str | None:
        return None if name == "harfbuzz-subset" else f"lib{name}.so"

    with pytest.warns(SlowRenderingWarning, match="libharfbuzz-subset0"):
        assert check_system_libraries(without_subset) == ("libharfbuzz-subset0",)
    assert "apt-get install libharfbuzz-subset0" in caplog.text
    assert check_system_libraries(lambda name: f"lib{name}.so") == ()


def test_missing_pango_is_an_error_naming_the_packages() -> None:
    from yiyu.reports import RenderError
    from yiyu.reports.fonts import check_system_libraries

    with pytest.raises(RenderError, match=r"libpango-1\.0-0"):
        check_system_libraries(lambda name: None)


def test_a_missing_font_package_is_an_error_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from yiyu.reports import RenderError
    from yiyu.reports.fonts import font_files

    monkeypatch.setitem(sys.modules, "pylopdf_fonts_zh_cn", None)  # import fails
    with pytest.raises(RenderError, match="pip install pylopdf-fonts-zh-cn"):
        font_files()


# --- growth sections as printed ---------------------------------------------------------------


def _printed(renderer: Any, poppler: Poppler, document: Any) -> str:
    return "".join(poppler.text(renderer.render(document)).split())


def test_a_protocol_choosing_who_2006_prints_the_z_score_section(
    renderer: Any, poppler: Poppler, who_protocol: Any
) -> None:
    import yiyu
    from yiyu.reports import encounter_document, samples
    from yiyu.reports.context import NATIONAL_TITLE

    sample = samples.visit("preschool")
    encounter = sample.record.encounter
    record = yiyu.record(encounter, sample.subject, who_protocol, as_of=encounter.on)
    document = encounter_document(
        record, sample.subject, institution=samples.INSTITUTION, earlier=sample.earlier
    )
    html = renderer.html(document)
    assert "体格测量与评价（WHO 2006 标准，z 评分）" in html
    assert NATIONAL_TITLE not in html
    text = _printed(renderer, poppler, document)
    for expected in ("身高（立位）", "年龄别身高（HAZ）", "年龄别BMI（BAZ）", "超重",
                     "年龄别体重（WHO2006，女，5岁内）"):  # fmt: skip
        assert expected in text, expected
    assert "WS/T423" not in text


def test_both_sections_side_by_side_when_asked(renderer: Any, poppler: Poppler) -> None:
    from yiyu.reports import encounter_document, samples

    sample = samples.visit("toddler")
    document = encounter_document(
        sample.record,
        sample.subject,
        institution=samples.INSTITUTION,
        earlier=sample.earlier,
        growth_references=("ws_t_423_2022", "who_2006"),
    )
    text = _printed(renderer, poppler, document)
    national = text.index("体格生长评价（WS/T423—2022《7岁以下儿童生长标准》）")
    who = text.index("体格测量与评价（WHO2006标准，z评分）")
    assert national < who < text.index("体格检查")
    assert "年龄别体重（WAZ）" in text
    assert "年龄别体重（WS/T423—2022，男，2岁内）" in text  # the charts: the first's


def test_a_child_of_seven_gets_a_line_that_the_standard_is_for_under_7(
    renderer: Any, poppler: Poppler
) -> None:
    import yiyu
    from yiyu.reports import encounter_document
    from yiyu.testing import make_child, make_encounter

    child = make_child(birth_date="2019-01-10")
    encounter = make_encounter(
        on="2026-03-06",
        measurements={"weight_kg": 23.0, "length_cm": 122.0, "measured": "standing"},
    )
    record = yiyu.record(encounter, child, yiyu.load_protocol(), as_of=encounter.on)
    text = _printed(renderer, poppler, encounter_document(record, child, institution="x"))
    assert "WS/T423—2022适用于7岁以下儿童：本次已满7岁，未按该标准评价。" in text
    assert "23.00kg" in text


# --- layout a clinician signs and a township prints (#15) ---------------------------------------


def _pages(poppler: Poppler, pdf: bytes) -> list[str]:
    """Each page's text without spaces or line breaks (pdftotext separates pages by \\f)."""
    return ["".join(page.split()) for page in poppler.text(pdf).split("\f")][: poppler.pages(pdf)]


def test_findings_next_visit_and_signature_of_a_heavy_six_month_record_share_a_page(
    renderer: Any, poppler: Poppler
) -> None:
    import attrs

    import yiyu
    from yiyu.reports import encounter_document, samples

    # The 6-month sample with anaemia, stunting, underweight and a positive screen: five
    # findings, five follow-ups. It printed on 3 pages, page 2 holding only the signature.
    sample = samples.visit("infant")
    encounter = attrs.evolve(
        sample.record.encounter,
        measurements=yiyu.Measurements(weight_kg=5.6, length_cm=61.0, head_cm=41.0, hb_g_l=95),
        warning_signs={"m6_1": True, "m6_2": False, "m6_3": False, "m6_4": False},
    )
    record = yiyu.record(encounter, sample.subject, yiyu.load_protocol(), as_of=encounter.on)
    assert len(record.findings) >= 4
    assert len(record.follow_ups) >= 4
    pdf = renderer.render(
        encounter_document(record, sample.subject, institution="城东卫生院", earlier=sample.earlier)
    )
    pages = _pages(poppler, pdf)
    assert len(pages) == 2  # one page of record, one of charts
    [closing] = [page for page in pages if "本次发现与处理" in page]
    for part in ("轻度贫血", "后续随访", "下次随访日期", "随访医生签名", "签名："):
        assert part in closing, part
    assert "生长曲线" not in closing


@pytest.mark.parametrize("name", ["newborn", "infant", "toddler", "preschool"])
def test_a_one_visit_record_is_one_page_and_its_charts(
    poppler: Poppler, rendered: dict[str, bytes], name: str
) -> None:
    pages = _pages(poppler, rendered[name])
    assert len(pages) == 2
    assert "随访医生签名" in pages[0]
    assert "本次发现与处理" in pages[0]
    assert "生长曲线" in pages[1]


def test_a_townships_day_of_67_items_fits_on_three_pages(renderer: Any, poppler: Poppler) -> None:
    import yiyu
    from yiyu.jobs.worklist import WorklistItem
    from yiyu.reports import worklist_document
    from yiyu.scheduling import worklist_order

    as_of = pendulum.Date(2026, 3, 2)
    protocol = yiyu.load_protocol()
    items = []
    for i in range(67):  # the 3-, 6-, 8- and 12-month checks, due around the list's day
        rule = ("m3", "m6", "m8", "m12")[i % 4]
        born = as_of.subtract(months=int(rule[1:]), days=i % 20 - 5)
        child = yiyu.Child(id=f"C{i:07d}", name=f"儿童{i:02d}号", sex="MF"[i % 2], birth_date=born)
        [ob] = [o for o in yiyu.schedule(child, protocol, until=as_of.add(days=200))
                if o.rule == rule]  # fmt: skip
        overdue = max(0, (as_of - ob.due).days)
        items.append(
            WorklistItem(
                obligation=ob,
                subject_name=child.name,
                township="城东街道",
                assignee="周敏",
                status=yiyu.Status.OVERDUE if overdue else yiyu.Status.DUE,
                days_overdue=overdue,
                suggested=yiyu.suggest_date(ob, as_of=as_of),
            )
        )
    items.sort(key=worklist_order)
    document = worklist_document(items, title="城东街道 工作清单", as_of=as_of)
    pdf = renderer.render(document)
    assert poppler.pages(pdf) <= 3  # it took 6 when every line repeated its contents
    text = "".join(poppler.text(pdf).split())
    for item in items:  # every child named once: one line each
        assert text.count(item.subject_name) == 1, item.subject_name
    legend = document.context["legend"]
    assert sorted(entry["name"] for entry in legend) == sorted(
        {item.obligation.name for item in items}
    )
    for entry in legend:  # each service's contents printed once
        assert text.count("".join(entry["contents"].split())) == 1, entry["name"]


def test_the_printed_record_shows_the_guardian_and_the_masked_phone(
    poppler: Poppler, rendered: dict[str, bytes]
) -> None:
    from yiyu.reports import samples

    child = samples.visit("toddler").subject
    assert isinstance(child, samples.Child)
    text = "".join(poppler.text(rendered["toddler"]).split())
    assert f"家长姓名{child.guardian_name}" in text
    assert "联系电话135****8888" in text
    assert "13566668888" not in text
