"""The reference intake page, end to end in headless Chromium: a caseworker fills a household
step by step, sees the flags and the questions change, enters a bad value and sees its message
beside the field; a screenshot of the flagged household is taken and checked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from live_service import LiveService
from png import read_png

pytestmark = pytest.mark.slow

TABLET = {"width": 820, "height": 1180}  # a tablet held upright
COLOURS = {"accent": (0x0B, 0x5C, 0xAD), "breach": (0xB3, 0x26, 0x1E), "warning": (0xB4, 0x5F, 0x06), "notice": (0x2F, 0x6F, 0x3E)}
INCOME = {"start": "2021-08-01", "end": "2022-07-31", "wage": "3000", "business": "1000", "property": "0",
          "transfer": "500", "production_costs": "200"}


@pytest.fixture()
def page(browser: Any, service: LiveService) -> Any:
    context = browser.new_context(viewport=TABLET, locale="zh-CN", device_scale_factor=1)
    page = context.new_page()
    page.errors = []  # type: ignore[attr-defined]
    page.on("pageerror", lambda e: page.errors.append(str(e)))  # type: ignore[attr-defined]
    page.goto(service.url + "/")
    page.wait_for_selector("body[data-ready='1']")
    yield page
    context.close()


def settle(page: Any, action: Any) -> None:
    """Do ``action`` and wait for the page's check of the record to come back."""
    before = int(page.evaluate("document.body.dataset.checked || 0"))
    action()
    page.wait_for_function(
        "(before) => Number(document.body.dataset.checked || 0) > before"
        " && !document.querySelector('#status').classList.contains('busy')", arg=before, timeout=15_000)


def texts(page: Any, selector: str) -> list[str]:
    return [t.strip() for t in page.locator(selector).all_inner_texts()]


def questions(page: Any) -> list[str]:
    return page.locator("#questions li").evaluate_all("items => items.map(i => i.dataset.pointer)")


def flags(page: Any) -> list[str]:
    return page.locator("#flags li").evaluate_all("items => items.map(i => i.dataset.rule)")


def test_fill_a_household_step_by_step(page: Any, artefacts: Path) -> None:
    # Tablet width: nothing is wider than the screen; Chinese first, English beside it.
    assert page.evaluate("document.documentElement.scrollWidth") <= TABLET["width"]
    assert texts(page, "#section-household h2")[0].startswith("家庭基本信息")
    assert [s.split()[0] for s in texts(page, "section.form-section h2")][:9] == [
        "家庭基本信息", "家庭成员", "收入", "支出", "两不愁三保障", "饮水", "突发事件", "监测记录", "帮扶措施"]

    # 1. Who: the household's ids and type.
    settle(page, lambda: page.fill("#as_of", "2022-07-31"))
    page.fill("#f__household_id", "230128-102-0001")
    page.fill("#f__region_code", "230128")
    page.select_option("#f__household_type", "poverty_alleviated")
    settle(page, lambda: page.fill("#f__members__0__member_id", "m1"))
    assert page.evaluate("document.body.dataset.state") == "valid"
    assert flags(page) == []
    first = questions(page)
    assert first[0] == "/income" and "/shocks" in first
    assert "家庭收入" in texts(page, "#questions li")[0]
    assert page.locator("[data-field='/income/wage'].asked").count() == 1  # the form shows what is asked

    # 2. Income: the household is inside the monitoring range -> a monitoring object.
    for name, value in INCOME.items():
        page.fill(f"#f__income__{name}", value)
    settle(page, lambda: page.locator("#f__income__production_costs").dispatch_event("change"))
    assert flags(page) == ["identification.unstable_out_of_poverty"]
    flag = page.locator("#flags li").first
    flag_text = flag.inner_text()
    assert "脱贫不稳定户" in flag_text and "unstable out-of-poverty household" in flag_text
    assert "人均纯收入 4,300.00 元" in flag_text  # the explanation, with the numbers compared
    assert "依据 / source" in flag_text and "中发〔2020〕30号" in flag_text  # the citation
    badge = flag.locator(".badge")
    if badge.count():  # severity, where the rule pack gives one
        assert badge.first.get_attribute("data-severity") in ("breach", "warning", "notice")
    after_income = questions(page)
    assert "/income" not in after_income and after_income != first and "/shocks" in after_income

    # 3. No shocks: "none" is an answer, different from not asked.
    settle(page, lambda: page.click("[data-none='/shocks']"))
    assert "/shocks" not in questions(page)
    assert "无（已询问）" in page.locator("[data-field='/shocks'] .list-state").inner_text()

    # 4. A bad value: its message appears beside its field, in Chinese and English.
    settle(page, lambda: page.fill("#f__income__wage", "3000.123"))
    assert page.evaluate("document.body.dataset.state") == "invalid"
    wage = page.locator("[data-field='/income/wage']")
    assert "invalid" in (wage.get_attribute("class") or "")
    message = page.locator("[data-problem-for='/income/wage']").inner_text()
    assert "最多两位小数" in message and "at most 2 decimals" in message
    assert "记录有 1 处问题" in page.locator("#status").inner_text()
    wage.evaluate("field => field.scrollIntoView({block: 'start'})")  # lands below the sticky results
    box = wage.bounding_box()
    results = page.locator("#results").bounding_box()
    assert box and results and box["y"] >= results["y"] + results["height"] - 1, "the field is not hidden by the results"
    page.screenshot(path=str(artefacts / "intake-bad-value.png"))

    # A birth date after the as-of date is refused beside the member's field.
    settle(page, lambda: page.fill("#f__members__0__birth_date", "2023-01-01"))
    assert "评估日期" in page.locator("[data-problem-for='/members/0/birth_date']").inner_text()
    settle(page, lambda: page.fill("#f__members__0__birth_date", "1970-05-01"))
    settle(page, lambda: page.fill("#f__income__wage", "3000"))
    assert page.evaluate("document.body.dataset.state") == "valid"
    assert page.locator(".invalid").count() == 0

    # 5. Check and assess: the full assessment's flags, and the screenshot of the flagged household.
    settle(page, lambda: page.click("#check"))
    assert flags(page) == ["identification.unstable_out_of_poverty"]
    page.evaluate("window.scrollTo(0, 0)")
    shot = artefacts / "intake-flagged.png"
    page.screenshot(path=str(shot))
    width, height, rows = read_png(shot.read_bytes())
    assert (width, height) == (TABLET["width"], TABLET["height"])
    box = page.locator("#flags li").first.bounding_box()
    assert box and box["y"] + box["height"] <= height, "the flag is on screen"
    # The flag's coloured edge is in the picture (the kind's colour, or its severity's).
    left, top = int(box["x"]) + 2, int(box["y"]) + 10  # inside the border, past the rounded corner
    edge = [tuple(rows[y][3 * left:3 * left + 3]) for y in range(top, top + int(box["height"]) - 20)]
    assert len(edge) > 50 and all(px in COLOURS.values() for px in edge), set(edge)
    assert len({rows[y][x:x + 3] for y in range(0, height, 20) for x in range(0, 3 * width, 60)}) > 20, "not blank"

    # 6. A required field left empty is shown once "check" is pressed.
    page.fill("#f__members__0__member_id", "")
    settle(page, lambda: page.click("#check"))
    assert "缺少必填字段" in page.locator("[data-problem-for='/members/0/member_id']").inner_text()
    assert page.errors == []  # type: ignore[attr-defined]


def test_questions_take_the_caseworker_to_the_field(page: Any) -> None:
    settle(page, lambda: page.fill("#as_of", "2022-07-31"))
    page.fill("#f__household_id", "h2")
    page.fill("#f__region_code", "230128")
    settle(page, lambda: page.fill("#f__members__0__member_id", "m1"))
    page.locator("#questions li[data-pointer='/household_type'] a").click()
    assert page.evaluate("document.activeElement.id") == "f__household_type"
    page.locator("#questions li[data-pointer='/shocks'] a").click()
    assert page.evaluate("document.activeElement.dataset.add") == "/shocks"
    # Adding a shock asks for its kind (a required field of the item), not for the list any more.
    settle(page, lambda: page.click("[data-add='/shocks']"))
    assert page.locator("#f__shocks__0__kind").count() == 1
    settle(page, lambda: page.select_option("#f__shocks__0__kind", "natural_disaster"))
    assert page.evaluate("document.body.dataset.state") == "valid"
    assert "/shocks" not in questions(page)
