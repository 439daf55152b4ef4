"""The form schema rendered by a standard JSON-Schema form library: react-jsonschema-form
(@rjsf/core 6 with its ajv8 validator), bundled once with esbuild, in headless Chromium.

Counted in the rendered DOM: "option 1 / option 2" pickers (rjsf's MultiSchemaField, which it
uses for anyOf/oneOf that are not lists of constants) must be none; every choice field must be
a dropdown, a yes/no/unknown radio group or a set of checkboxes with Chinese labels, never
English codes. The plain schema is rendered too, to show the count would catch pickers.

The npm packages are installed (``npm ci``, from the lock file beside this test) into a cache
folder outside the work tree: RISKRULES_NODE_CACHE, or ~/.cache/riskrules-node."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

import riskrules
from riskrules.forms.schema import form_bundle

pytestmark = pytest.mark.slow

HERE = Path(__file__).resolve().parent / "rjsf"
SOURCES = ("package.json", "package-lock.json", "entry.jsx")


def _bundle() -> Path:
    """The esbuild bundle of entry.jsx, built once per version of the sources."""
    digest = hashlib.sha256(b"".join((HERE / name).read_bytes() for name in SOURCES)).hexdigest()[:16]
    root = Path(os.environ.get("RISKRULES_NODE_CACHE", Path.home() / ".cache" / "riskrules-node")) / f"rjsf-{digest}"
    bundle = root / "bundle.js"
    if bundle.is_file():
        return bundle
    npm = shutil.which("npm")
    if npm is None:
        message = "the react-jsonschema-form check needs Node.js and npm"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    root.mkdir(parents=True, exist_ok=True)
    for name in SOURCES:
        shutil.copy(HERE / name, root / name)
    subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=root, check=True, timeout=600)
    subprocess.run([str(root / "node_modules" / ".bin" / "esbuild"), "entry.jsx", "--bundle", "--minify", "--format=iife",
                    "--define:process.env.NODE_ENV=\"production\"", "--outfile=bundle.js.tmp"],
                   cwd=root, check=True, timeout=300)
    (root / "bundle.js.tmp").rename(bundle)
    return bundle


def _expected(schema: dict[str, Any], data: Any) -> dict[str, int]:
    """How many dropdowns, radio groups and checkbox groups the form should show for ``data``."""
    counts = {"select": 0, "radio": 0, "checkboxes": 0}

    def kind(s: dict[str, Any]) -> str:
        t = s.get("type")
        return next(x for x in t if x != "null") if isinstance(t, list) else t

    def walk(s: dict[str, Any], value: Any) -> None:
        t = kind(s)
        if t == "object":
            for name, sub in s.get("properties", {}).items():
                walk(sub, (value or {}).get(name) if isinstance(value, dict) else None)
        elif t == "array":
            items = s["items"]
            if "oneOf" in items:
                counts["checkboxes"] += 1
            else:
                for item in value or []:
                    walk(items, item)
        elif "oneOf" in s:
            counts["radio" if t == "boolean" else "select"] += 1

    walk(schema, data)
    return counts


_COUNT = """() => {
  const selects = [...document.querySelectorAll('select')];
  const pickers = selects.filter(s => /__(any|one)of_select$/.test(s.id));
  const options = [...document.querySelectorAll('select option')].map(o => o.textContent.trim()).filter(Boolean);
  const radios = [...document.querySelectorAll('input[type=radio]')];
  const radioLabels = radios.map(r => (r.closest('label') || r.parentElement).textContent.trim());
  const groups = new Set([...document.querySelectorAll('input[type=checkbox]')].map(c => c.name || c.id.replace(/-\\d+$/, '')));
  return {
    pickers: pickers.length,
    picker_ids: pickers.map(s => s.id),
    option_n_labels: [...document.querySelectorAll('option')].filter(o => /^Option \\d+/.test(o.textContent)).length,
    select: selects.length - pickers.length,
    radio: new Set(radios.map(r => r.name)).size,
    checkboxes: groups.size,
    options, radioLabels,
    inputs: document.querySelectorAll('input, select, textarea').length,
  };
}"""


def _render(browser: Any, bundle_js: str, form: dict[str, Any], data: dict[str, Any], shot: Path | None) -> dict[str, Any]:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    html = "<!doctype html><meta charset=utf-8><body><div id=app></div><script>" + bundle_js + "</script></body>"
    page.route("http://rjsf.test/", lambda route: route.fulfill(status=200, content_type="text/html", body=html))
    page.goto("http://rjsf.test/")
    page.evaluate("([b, d]) => window.renderForm(b, d)", [form, data])
    page.wait_for_selector("form button[type=submit]")
    counts = page.evaluate(_COUNT)
    if shot is not None:
        page.screenshot(path=str(shot), full_page=True)
    page.close()
    counts["errors"] = errors
    return counts


def test_the_form_schema_renders_without_option_pickers(browser: Any, artefacts: Path) -> None:
    bundle_js = _bundle().read_text(encoding="utf-8")
    data = json.loads((HERE / "form_data.json").read_text(encoding="utf-8"))
    form = form_bundle()
    counts = _render(browser, bundle_js, form, data, artefacts / "rjsf-form-schema.png")
    expected = _expected(form["schema"], data)
    summary = {k: counts[k] for k in ("pickers", "select", "radio", "checkboxes", "inputs")}
    print(f"\nrjsf, form schema: {json.dumps(summary)}; expected choices {json.dumps(expected)}")
    assert counts["errors"] == []
    assert counts["pickers"] == 0 and counts["option_n_labels"] == 0, counts["picker_ids"]
    assert (counts["select"], counts["radio"], counts["checkboxes"]) == (expected["select"], expected["radio"], expected["checkboxes"])
    assert sum(expected.values()) >= 25
    # Chinese labels, never an English code, in every dropdown and radio group.
    codes = {o["const"] for node in _choice_nodes(form["schema"]) for o in node["oneOf"] if isinstance(o["const"], str)}
    assert not [o for o in counts["options"] if o in codes]
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in label) for label in counts["options"] + counts["radioLabels"])


def test_the_plain_schema_would_show_pickers(browser: Any, artefacts: Path) -> None:
    """The same count on the validation schema finds the pickers the issue reported."""
    bundle_js = _bundle().read_text(encoding="utf-8")
    data = json.loads((HERE / "form_data.json").read_text(encoding="utf-8"))
    counts = _render(browser, bundle_js, {"schema": riskrules.household_json_schema(), "uiSchema": {}}, data,
                     artefacts / "rjsf-plain-schema.png")
    print(f"\nrjsf, plain schema: {counts['pickers']} option pickers")
    assert counts["pickers"] > 40


def _choice_nodes(node: Any) -> list[dict[str, Any]]:
    out = []
    if isinstance(node, dict):
        if isinstance(node.get("oneOf"), list) and all("const" in o for o in node["oneOf"]):
            out.append(node)
        for v in node.values():
            out.extend(_choice_nodes(v))
    elif isinstance(node, list):
        for v in node:
            out.extend(_choice_nodes(v))
    return out
