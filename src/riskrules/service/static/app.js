// The reference intake page of riskrules: plain JavaScript, no build step.
//
// It renders the form from the form schema (GET /v1/schema?form=true), keeps the record as the
// caseworker fills it, and after each pause in typing asks the service what it makes of it
// (POST /v1/next-questions): the flags already decided, the questions still to ask, or, for a
// bad entry, every problem, shown next to its field. "Check and assess" (POST /v1/assess) shows
// every problem, required fields included, and the full assessment's flags.
"use strict";

(() => {
  const DEBOUNCE_MS = 350;
  // Labels of flag kinds and severities come with the form bundle (/v1/schema?form=true), from
  // the enumerations themselves, so the page never spells them a second time.
  let KIND = {};
  let SEVERITY = {};

  const state = {
    bundle: null, record: { members: [{}] }, touched: new Set(), showAll: false, seq: 0, timer: null,
    riskLabels: {}, lastGood: null,
  };
  const $ = (id) => document.getElementById(id);

  // ---------------------------------------------------------------- small helpers

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "class") node.className = v;
      else if (k === "text") node.textContent = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return node;
  }
  const bi = (zh, en) => [zh, " ", el("span", { class: "en", text: en || "" })];
  const idOf = (pointer) => "f" + pointer.replace(/\//g, "__");
  const parts = (pointer) => pointer.split("/").slice(1).map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
  const typeOf = (s) => (Array.isArray(s.type) ? s.type.find((t) => t !== "null") : s.type);
  const nullable = (s) => Array.isArray(s.type) && s.type.includes("null");
  const isChoice = (s) => Array.isArray(s.oneOf) && s.oneOf.every((o) => "const" in o);

  function getAt(obj, pointer) {
    let v = obj;
    for (const p of parts(pointer)) {
      if (v === undefined || v === null) return undefined;
      v = v[p];
    }
    return v;
  }

  function setAt(obj, pointer, value) {
    const ps = parts(pointer);
    let v = obj;
    ps.forEach((p, i) => {
      if (i === ps.length - 1) {
        if (value === undefined) delete v[p]; else v[p] = value;
        return;
      }
      if (v[p] === undefined || v[p] === null) v[p] = /^\d+$/.test(ps[i + 1]) ? [] : {};
      v = v[p];
    });
  }

  // The record as sent: unknown values left out, objects with nothing in them left out.
  function clean(value, inList) {
    if (Array.isArray(value)) return value.map((x) => clean(x, true)).map((x) => (x === undefined ? {} : x));
    if (value && typeof value === "object") {
      const out = {};
      for (const [k, v] of Object.entries(value)) {
        const c = clean(v, false);
        if (c !== undefined) out[k] = c;
      }
      return Object.keys(out).length || inList ? out : undefined;
    }
    return value === "" || value === null ? undefined : value;
  }

  // ---------------------------------------------------------------- the form

  function field(schema, pointer, opts) {
    const t = typeOf(schema);
    if (t === "object") return objectField(schema, pointer);
    if (t === "array") return arrayField(schema, pointer);
    const id = idOf(pointer);
    const label = el("label", { for: id }, ...bi(schema.title, schema["x-title-en"]));
    let control;
    if (isChoice(schema) && t === "boolean") return booleanField(schema, pointer);
    if (isChoice(schema)) {
      control = el("select", { id, name: id, "data-pointer": pointer, onchange: onInput },
        el("option", { value: "", text: "— 未填写 / not recorded —" }),
        ...schema.oneOf.filter((o) => o.const !== null).map((o) =>
          el("option", { value: o.const, text: o.description ? `${o.title}（${o.description}）` : o.title })));
      const v = getAt(state.record, pointer);
      control.value = v === undefined ? "" : v;
    } else {
      const attrs = { id, name: id, "data-pointer": pointer, oninput: onInput, onchange: onInput };
      if (schema.format === "date") attrs.type = "date";
      else if (t === "integer" || t === "number") Object.assign(attrs, { type: "number", inputmode: t === "integer" ? "numeric" : "decimal",
        min: schema.minimum, max: schema.maximum, step: t === "integer" ? 1 : "any" });
      else Object.assign(attrs, { type: "text", maxlength: schema.maxLength, inputmode: schema["x-unit"] === "元" ? "decimal" : undefined });
      if (schema["x-unit"] === "元") attrs.placeholder = "0.00";
      control = el("input", attrs);
      const v = getAt(state.record, pointer);
      control.value = v === undefined ? "" : v;
    }
    const body = schema["x-unit"] ? el("div", { class: "with-unit" }, control, el("span", { class: "unit", text: schema["x-unit"] })) : control;
    return el("div", { class: "field", "data-field": pointer }, label, body, el("p", { class: "problem", "data-problem-for": pointer }));
  }

  function booleanField(schema, pointer) {
    const id = idOf(pointer);
    const v = getAt(state.record, pointer);
    const options = [["true", "是", "yes"], ["false", "否", "no"], ["", "未知", "unknown"]];
    const group = el("div", { class: "choices", role: "radiogroup", "aria-labelledby": id + "-label", "data-pointer": pointer, id },
      ...options.map(([value, zh, en]) => el("label", {},
        el("input", { type: "radio", name: id, value, "data-pointer": pointer, onchange: onInput,
                      checked: (v === undefined ? "" : String(v)) === value }), zh, el("span", { class: "en", text: en }))));
    return el("div", { class: "field", "data-field": pointer },
      el("span", { class: "label", id: id + "-label" }, ...bi(schema.title, schema["x-title-en"])), group,
      el("p", { class: "problem", "data-problem-for": pointer }));
  }

  function objectField(schema, pointer) {
    const box = el("fieldset", { "data-field": pointer, "data-pointer": pointer, id: idOf(pointer) },
      el("legend", {}, ...bi(schema.title, schema["x-title-en"])));
    box.append(el("p", { class: "problem", "data-problem-for": pointer }));
    const grid = el("div", { class: "fields" });
    for (const [name, sub] of Object.entries(schema.properties || {})) {
      const f = field(sub, `${pointer}/${name}`);
      if (["object", "array"].includes(typeOf(sub))) f.classList.add("wide");
      grid.append(f);
    }
    box.append(grid);
    return box;
  }

  function arrayField(schema, pointer) {
    const items = schema.items || {};
    if (isChoice(items)) return checkboxField(schema, pointer);
    const box = el("fieldset", { class: "list", "data-field": pointer, "data-pointer": pointer, id: idOf(pointer) });
    renderList(box, schema, pointer);
    return box;
  }

  function checkboxField(schema, pointer) {
    const id = idOf(pointer);
    const chosen = getAt(state.record, pointer) || [];
    const group = el("div", { class: "choices", id, "data-pointer": pointer },
      ...schema.items.oneOf.map((o) => el("label", {},
        el("input", { type: "checkbox", name: id, value: o.const, "data-pointer": pointer, "data-multi": "1",
                      checked: chosen.includes(o.const), onchange: onInput }), o.title)));
    return el("div", { class: "field wide", "data-field": pointer },
      el("span", { class: "label" }, ...bi(schema.title, schema["x-title-en"])), group,
      el("p", { class: "problem", "data-problem-for": pointer }));
  }

  function renderList(box, schema, pointer) {
    box.replaceChildren(el("legend", {}, ...bi(schema.title, schema["x-title-en"])),
      el("p", { class: "problem", "data-problem-for": pointer }));
    const value = getAt(state.record, pointer);
    const items = schema.items;
    const min = schema.minItems || 0;
    (value || []).forEach((_, i) => {
      const at = `${pointer}/${i}`;
      const remove = value.length > min
        ? el("button", { type: "button", class: "small danger", "data-remove": at,
                         onclick: () => { value.splice(i, 1); changed(pointer, box, schema); } },
             "删除 ", el("span", { class: "en", text: "remove" }))
        : null;
      if (typeOf(items) === "object") {
        const item = objectField(items, at);
        item.classList.add("item");
        item.querySelector("legend").append(` ${i + 1}`);
        if (remove) item.append(remove);
        box.append(item);
      } else {
        const f = field(items, at);
        if (remove) f.append(remove);
        box.append(f);
      }
    });
    const status = value === undefined
      ? ["未询问", "not asked yet"]
      : value.length === 0 ? ["无（已询问）", "none (asked)"] : [`共 ${value.length} 项`, `${value.length} item(s)`];
    const max = schema.maxItems || Infinity;
    box.append(el("div", { class: "list-controls" },
      el("button", { type: "button", class: "small secondary", "data-add": pointer, disabled: (value || []).length >= max,
                     onclick: () => {
                       const list = getAt(state.record, pointer) || [];
                       list.push(typeOf(items) === "object" ? {} : "");
                       setAt(state.record, pointer, list);
                       changed(pointer, box, schema, `${pointer}/${list.length - 1}`);
                     } }, "添加 ", el("span", { class: "en", text: "add" })),
      nullable(schema) && (value === undefined || value.length === 0)
        ? el("button", { type: "button", class: "small secondary", "data-none": pointer,
                         onclick: () => { setAt(state.record, pointer, value === undefined ? [] : undefined); changed(pointer, box, schema); } },
             ...(value === undefined ? bi("无", "none") : bi("改为未询问", "not asked")))
        : null,
      el("span", { class: "list-state" }, ...bi(...status))));
  }

  function changed(pointer, box, schema, focusPointer) {
    state.touched.add(pointer);
    renderList(box, schema, pointer);
    if (focusPointer) {
      const target = box.querySelector(`[data-pointer^="${focusPointer}"]:is(input, select)`);
      if (target) target.focus();
    }
    schedule();
  }

  function readControl(target) {
    const pointer = target.dataset.pointer;
    const schema = schemaAt(pointer);
    if (target.dataset.multi) {
      const chosen = [...document.querySelectorAll(`input[data-pointer="${pointer}"]:checked`)].map((x) => x.value);
      return [pointer, chosen.length ? chosen : undefined];
    }
    const raw = target.value;
    if (raw === "") return [pointer, undefined];
    const t = schema ? typeOf(schema) : "string";
    if (t === "boolean") return [pointer, raw === "true"];
    if ((t === "integer" || t === "number") && raw.trim() !== "" && !Number.isNaN(Number(raw))) return [pointer, Number(raw)];
    return [pointer, raw];
  }

  function schemaAt(pointer) {
    let s = state.bundle.schema;
    for (const p of parts(pointer)) {
      if (!s) return null;
      s = /^\d+$/.test(p) ? s.items : (s.properties || {})[p];
    }
    return s;
  }

  function onInput(event) {
    const [pointer, value] = readControl(event.target);
    setAt(state.record, pointer, value);
    state.touched.add(pointer);
    schedule();
  }

  function renderForm() {
    const { schema, sections } = state.bundle;
    const holder = $("sections");
    holder.replaceChildren();
    for (const sec of sections) {
      const grid = el("div", { class: "fields" });
      for (const name of sec.fields) {
        const sub = schema.properties[name];
        if (!sub) continue;
        const f = field(sub, `/${name}`);
        if (["object", "array"].includes(typeOf(sub))) f.classList.add("wide");
        grid.append(f);
      }
      holder.append(el("section", { class: "form-section", id: `section-${sec.id}`, "data-section": sec.id },
        el("h2", {}, ...bi(sec.title_zh, sec.title_en)), grid));
    }
    $("loading").remove();
  }

  // ---------------------------------------------------------------- talking to the service

  function request() {
    const body = { record: clean(state.record, false) || {}, as_of: $("as_of").value || null };
    const j = $("jurisdiction").value.trim();
    if (j) body.jurisdiction = j;
    return body;
  }

  function schedule() {
    clearTimeout(state.timer);
    setStatus("busy", "检查中…", "checking…");
    state.timer = setTimeout(check, DEBOUNCE_MS);
  }

  async function post(path, body) {
    const response = await fetch(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    let data = null;
    try { data = await response.json(); } catch (e) { data = null; }
    return { status: response.status, data };
  }

  async function check(assess) {
    const seq = ++state.seq;
    const body = request();
    $("record-json").textContent = JSON.stringify(body, null, 2);
    try {
      const [questions, assessment] = await Promise.all([post("/v1/next-questions", body), assess ? post("/v1/assess", body) : null]);
      if (seq !== state.seq) return; // a newer check is on its way
      if (questions.status === 200) {
        showProblems([]);
        state.lastGood = questions.data;
        const flags = assessment && assessment.status === 200 ? assessment.data.flags : questions.data.flags;
        showResults(flags, questions.data.questions, false);
        setStatus("ok", "记录有效", `valid; ${questions.data.undecided.length} rule(s) still undecided`);
        document.body.dataset.state = "valid";
      } else if (questions.status === 422 && questions.data) {
        showProblems(questions.data.problems || []);
        if (state.lastGood) showResults(state.lastGood.flags, state.lastGood.questions, true);
        document.body.dataset.state = "invalid";
      } else {
        setStatus("bad", `服务出错（${questions.status}）`, (questions.data && questions.data.title) || "service error");
        document.body.dataset.state = "error";
      }
    } catch (e) {
      if (seq === state.seq) setStatus("bad", "无法连接服务", "cannot reach the service");
    }
    document.body.dataset.checked = String(seq);
  }

  function setStatus(kind, zh, en) {
    const s = $("status");
    s.className = `status ${kind}`;
    s.replaceChildren(...bi(zh, en));
  }

  // Problems next to their fields. A missing required field is shown once it was touched, or
  // after "check and assess"; every other problem at once.
  function showProblems(problems) {
    document.querySelectorAll(".invalid").forEach((n) => n.classList.remove("invalid"));
    document.querySelectorAll("[data-problem-for]").forEach((n) => n.replaceChildren());
    const general = $("general-problems");
    general.replaceChildren();
    let shown = 0;
    let hidden = 0;
    for (const p of problems) {
      const pointer = p.pointer.startsWith("/record") ? p.pointer.slice("/record".length) || "/" : p.pointer;
      if (p.code === "missing" && !state.showAll && !isTouched(pointer)) { hidden += 1; continue; }
      shown += 1;
      const message = el("span", { class: "msg", "data-code": p.code }, p.message_zh, " ", el("span", { class: "en", text: p.message_en }));
      const host = problemHost(pointer);
      if (host) {
        host.slot.append(message, el("br"));
        host.field.classList.add("invalid");
      } else {
        general.append(el("li", {}, el("code", { text: p.path }), " ", message));
      }
    }
    if (problems.length) {
      setStatus("bad", `记录有 ${problems.length} 处问题${hidden ? `（其中 ${hidden} 处必填项尚未填写）` : ""}`,
        `${problems.length} problem(s)${hidden ? `, ${hidden} required field(s) not filled yet` : ""}`);
    }
    return shown;
  }

  function isTouched(pointer) {
    for (const t of state.touched) if (t === pointer || pointer.startsWith(t + "/") || t.startsWith(pointer + "/")) return true;
    return false;
  }

  function problemHost(pointer) {
    if (pointer === "/as_of" || pointer === "/jurisdiction") {
      const input = $(pointer.slice(1));
      let slot = document.querySelector(`[data-problem-for="${pointer}"]`);
      if (!slot) { slot = el("p", { class: "problem", "data-problem-for": pointer }); input.after(slot); }
      return { field: input, slot };
    }
    let at = pointer;
    while (at && at !== "/") {
      const f = document.querySelector(`[data-field="${at}"]`);
      if (f) return { field: f, slot: f.querySelector(`[data-problem-for="${at}"]`) };
      at = at.slice(0, at.lastIndexOf("/"));
    }
    return null;
  }

  function showResults(flags, questions, stale) {
    const list = $("flags");
    list.replaceChildren(...flags.map(flagItem));
    list.style.opacity = stale ? 0.5 : 1;
    $("flag-count").textContent = flags.length;
    $("no-flags").hidden = flags.length > 0;
    const qs = $("questions");
    qs.replaceChildren(...questions.map(questionItem));
    qs.style.opacity = stale ? 0.5 : 1;
    $("question-count").textContent = questions.length;
    $("no-questions").hidden = questions.length > 0;
    document.querySelectorAll(".asked").forEach((n) => n.classList.remove("asked"));
    for (const q of questions) for (const f of q.fields) {
      const host = document.querySelector(`[data-field="${f}"]`) || document.querySelector(`[data-field="${q.pointer}"]`);
      if (host) host.classList.add("asked");
    }
  }

  function flagItem(f) {
    const sev = f.severity ? String(f.severity) : null;
    const kind = KIND[f.kind] || [f.kind, ""];
    const c = f.citation || {};
    const risks = (f.risk_types || []).map((r) => state.riskLabels[r] || r);
    return el("li", { class: `flag${sev ? ` sev-${sev}` : ""}`, "data-rule": f.rule_id, "data-kind": f.kind },
      el("div", { class: "kind" },
        sev ? el("span", { class: `badge sev-${sev}`, "data-severity": sev }, (SEVERITY[sev] || [sev])[0], " ", (SEVERITY[sev] || [sev, sev])[1]) : null,
        kind[0], " · ", kind[1]),
      el("h3", {}, ...bi(f.title_zh, f.title_en)),
      risks.length ? el("p", { class: "explain" }, "风险类型：", risks.join("、")) : null,
      el("p", { class: "explain" }, f.explanation_zh),
      el("p", { class: "explain en" }, f.explanation_en),
      el("div", { class: "citation" },
        "依据 / source: ", `${c.issuer || ""}《${(c.document || "").replace(/^《|》$/g, "")}》（${c.date || ""}）${c.clause || ""}`,
        c.unconfirmed ? el("strong", {}, " [未经确认 unconfirmed]") : null,
        c.quote ? el("details", {}, el("summary", {}, "原文 / quote"), el("blockquote", { text: c.quote })) : null));
  }

  function questionItem(q) {
    const go = (event) => {
      event.preventDefault();
      const target = q.collect === "list"
        ? document.querySelector(`[data-add="${q.pointer}"]`)
        : document.querySelector(`[data-pointer="${q.fields[0]}"]:is(input, select)`) ||
          document.querySelector(`[data-field="${q.pointer}"] :is(input, select, button)`);
      if (target) { target.scrollIntoView({ block: "center" }); target.focus(); }
    };
    const what = q.collect === "list" ? ["（逐项填写，没有则选“无”）", "(list the items, or choose none)"]
      : q.collect === "fields" ? [`（${q.fields.length} 项）`, `(${q.fields.length} fields)`] : ["", ""];
    return el("li", { class: "question", "data-pointer": q.pointer },
      el("a", { href: `#${idOf(q.pointer)}`, onclick: go }, q.label_zh, what[0], " ", el("span", { class: "en", text: `${q.label_en} ${what[1]}` })),
      q.unit_zh ? el("span", { class: "unit" }, ` ${q.unit_zh}`) : null,
      el("p", { class: "rules" }, "可判定 / decides: ", q.decides.map((r) => r.title_zh).join("；")));
  }

  // ---------------------------------------------------------------- start

  async function start() {
    $("as_of").value = new Date().toISOString().slice(0, 10);
    $("as_of").addEventListener("change", schedule);
    $("jurisdiction").addEventListener("input", schedule);
    $("intake").addEventListener("submit", (e) => { e.preventDefault(); state.showAll = true; check(true); });
    $("clear").addEventListener("click", () => {
      state.record = { members: [{}] };
      state.touched.clear();
      state.showAll = false;
      state.lastGood = null;
      renderForm0();
      showResults([], [], false);
      schedule();
    });
    const [bundle, health] = await Promise.all([fetch("/v1/schema?form=true").then((r) => r.json()), fetch("/health").then((r) => r.json())]);
    state.bundle = bundle;
    KIND = bundle.labels.kinds;
    SEVERITY = bundle.labels.severities;
    const risk = (((bundle.schema.properties.monitoring_case || {}).properties || {}).risk_types || {}).items;
    for (const o of (risk && risk.oneOf) || []) state.riskLabels[o.const] = o.title;
    $("pack").textContent = `${health.rule_pack.name} ${health.rule_pack.version}`;
    renderForm();
    document.body.dataset.ready = "1";
    schedule();
  }

  function renderForm0() {
    if (!$("loading")) $("intake").prepend(el("p", { id: "loading" }));
    renderForm();
  }

  window.riskrulesIntake = { state, check, request };
  start();
})();
