// The playground: the policy's rules (web/pkg, built by `make web` from crates/web) over the
// YAML in the editor, re-run as you type. No framework: the page is a textarea over a backdrop
// that draws the marks, a findings list, a settings box and the rule pages.

import init, * as policy from "./pkg/tekton_buildah_web.js";
import { escapeHtml, markdownToHtml } from "./markdown.js";

const $ = (id) => document.getElementById(id);
const yaml = $("yaml");
const gutter = $("gutter");
const backdrop = $("backdrop");
const settingsBox = $("settings");
const exampleSelect = $("example");

const INITIAL_SETTINGS =
  "# Settings as in the policy's `settings` (YAML or JSON).\n" +
  "# e.g. rules: {buildah-root-missing: {level: warning}}\n" +
  "rules: {}\n";
const PREFERRED_EXAMPLE = "examples/bad/buildah-root-missing.yaml";
const DELAY_MS = 120;

let lintCount = 0;
let selectedLine = 0;
let marks = new Map(); // line → { level, tokens: [{ start, end, level }], notes: [text] }

function debounce(fn, ms) {
  let timer;
  return () => {
    clearTimeout(timer);
    timer = setTimeout(fn, ms);
  };
}

// ---- checking ----------------------------------------------------------------------------

function update() {
  const settingsText = settingsBox.value;
  const check = policy.validateSettings(settingsText);
  const status = $("settings-status");
  status.className = check.valid ? "valid" : "invalid";
  status.textContent = check.valid ? "Valid settings." : check.message;
  settingsBox.setAttribute("aria-invalid", String(!check.valid));
  if (check.valid) {
    render(policy.lint(yaml.value, settingsText));
  } else {
    render(null, check.message);
  }
  lintCount += 1;
  document.body.dataset.lintCount = String(lintCount);
}

function render(result, settingsProblem) {
  marks = new Map();
  const verdict = $("verdict");
  const list = $("findings");
  verdict.replaceChildren();
  list.replaceChildren();
  if (!result) {
    verdict.append(verdictItem("invalid-yaml", "NOT CHECKED", "settings are not valid", settingsProblem));
    $("findings-summary").textContent = "";
    drawEditor();
    return;
  }

  for (const e of result.errors) {
    verdict.append(
      verdictItem("invalid-yaml", "NOT VALID", `document ${e.document}, line ${e.line}`, e.message),
    );
    mark(e.line, "error", e.column, e.column + 1, e.message);
  }
  for (const d of result.documents) {
    const label = `${d.kind ?? "(no kind)"}/${d.name ?? "(no name)"}`;
    const word = d.verdict === "rejected" ? "REJECTED" : "ADMITTED";
    const own = result.findings.filter((f) => f.document === d.document);
    const errors = own.filter((f) => f.level === "error").length;
    let detail = counted(errors, "error") + ", " + counted(own.length - errors, "warning");
    if (d.checked === "not-applicable") detail = "not a Tekton object with steps: admitted untouched";
    if (d.checked === "unsupported-version") detail = `not checked: ${d.apiVersion} is not supported`;
    // What `kubectl apply` would print: the rejection message, or the warnings.
    const said = d.message ?? d.warnings.map((w) => `Warning: ${w}`).join("\n");
    verdict.append(verdictItem(d.verdict, word, label, detail, d, said));
  }
  if (!result.errors.length && !result.documents.length) {
    verdict.append(verdictItem("admitted", "EMPTY", "no documents", ""));
  }

  // Suppressed findings are listed, dimmed, but count for nothing (the CLI leaves them out).
  const counting = result.findings.filter((f) => f.suppressed === null);
  const errors = counting.filter((f) => f.level === "error").length;
  const warnings = counting.length - errors;
  const fixable = counting.filter((f) => f.fixable).length;
  $("findings-summary").textContent = counting.length
    ? `${counted(errors, "error")}, ${counted(warnings, "warning")}` +
      (fixable ? `; ${fixable} fixable` : "")
    : "No findings.";
  $("fix-all").disabled = fixable === 0;
  result.findings.forEach((f, index) => {
    list.append(findingItem(f, index));
    if (f.suppressed === null) {
      mark(f.line, f.level, f.column, f.endColumn, `${f.level}[${f.rule}] ${f.message}`);
    }
  });
  drawEditor();
}

function counted(n, word) {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function verdictItem(kind, word, label, detail, doc, said) {
  const li = document.createElement("li");
  li.className = kind;
  if (doc) li.dataset.document = String(doc.document);
  li.innerHTML =
    `<span class="word">${escapeHtml(word)}</span><span class="label">${escapeHtml(label)}</span>` +
    (detail ? `<span class="detail">${escapeHtml(detail)}</span>` : "") +
    (said
      ? `<details><summary>What the cluster says</summary><pre class="said">${escapeHtml(said)}</pre></details>`
      : "");
  return li;
}

function findingItem(f, index) {
  const li = document.createElement("li");
  li.className = `finding ${f.level}` + (f.suppressed === null ? "" : " suppressed");
  Object.assign(li.dataset, {
    rule: f.rule,
    level: f.level,
    path: f.path,
    line: String(f.line),
    column: String(f.column),
    endColumn: String(f.endColumn),
  });
  li.innerHTML =
    `<button type="button" class="link rule" aria-label="Documentation of ${escapeHtml(f.rule)}">` +
    `[${escapeHtml(f.rule)}]</button> <span class="level">${f.level}</span> ` +
    `<button type="button" class="link position" aria-label="Go to line ${f.line}, column ${f.column}">` +
    `${f.line}:${f.column}</button> <code class="path">${escapeHtml(f.path)}</code>` +
    (f.fixable && f.suppressed === null
      ? `<button type="button" class="fix" aria-label="Fix this finding (line ${f.line})">Fix</button>`
      : "") +
    `<span class="message"><span class="subject">${escapeHtml(f.subject)}</span>: ` +
    `<span class="text">${escapeHtml(f.message)}</span></span>` +
    (f.suppressed === null
      ? ""
      : `<span class="suppression">Suppressed: ${escapeHtml(f.suppressed)}</span>`);
  li.querySelector(".rule").addEventListener("click", () => showDocs(f.rule));
  li.querySelector(".position").addEventListener("click", () => goTo(f));
  li.querySelector(".fix")?.addEventListener("click", () => fixOne(index));
  return li;
}

// ---- fixes: shown as a diff, applied on request ------------------------------------------

let pendingFix = null;

function fixAll() {
  let result;
  try {
    result = policy.fix(yaml.value, settingsBox.value);
  } catch (e) {
    $("findings-summary").textContent = `Not fixed: ${e.message}`;
    return;
  }
  const n = result.applied.length;
  showFix(result, `${counted(n, "finding")} fixed, ${result.skipped.length} left to fix by hand.`);
}

function fixOne(index) {
  let result;
  try {
    result = policy.fixFinding(yaml.value, settingsBox.value, index);
  } catch (e) {
    $("findings-summary").textContent = `Not fixed: ${e.message}`;
    return;
  }
  showFix({ ...result, skipped: [] }, "One finding fixed.");
}

function showFix(result, summary) {
  pendingFix = result.changed ? result.text : null;
  $("fix-summary").textContent = result.changed ? summary : "Nothing to change.";
  $("fix-diff").innerHTML = result.diff
    .split("\n")
    .map((line) => {
      const cls = line.startsWith("@@")
        ? "hunk"
        : line.startsWith("+") && !line.startsWith("+++")
          ? "add"
          : line.startsWith("-") && !line.startsWith("---")
            ? "del"
            : "";
      return cls ? `<span class="${cls}">${escapeHtml(line)}</span>` : `${escapeHtml(line)}\n`;
    })
    .join("");
  const skipped = $("fix-skipped");
  skipped.replaceChildren(
    ...result.skipped.map((s) => {
      const li = document.createElement("li");
      li.textContent = `line ${s.line} [${s.rule}]: ${s.reason}`;
      return li;
    }),
  );
  $("fix-skipped-box").hidden = result.skipped.length === 0;
  $("fix-apply").disabled = pendingFix === null;
  $("fix-dialog").showModal();
}

function applyFix() {
  if (pendingFix !== null) {
    yaml.value = pendingFix;
    // Edited: no longer the example as bundled.
    exampleSelect.value = "";
    update();
  }
  pendingFix = null;
  $("fix-dialog").close();
}

function mark(line, level, start, end, note) {
  const m = marks.get(line) ?? { level, tokens: [], notes: [] };
  if (level === "error") m.level = "error";
  if (end > start) m.tokens.push({ start: start - 1, end: end - 1, level });
  m.notes.push(note);
  marks.set(line, m);
}

// ---- the editor's gutter and backdrop ----------------------------------------------------

function drawEditor() {
  const lines = yaml.value.split("\n");
  const numbers = [];
  const rows = [];
  lines.forEach((text, i) => {
    const n = i + 1;
    const m = marks.get(n);
    const cls = m ? ` ${m.level}` : "";
    const title = m ? ` title="${escapeHtml(m.notes.join("\n"))}"` : "";
    numbers.push(`<div class="ln${cls}" data-line="${n}"${title}>${n}</div>`);
    const selected = n === selectedLine ? " selected" : "";
    rows.push(`<div class="row${cls}${selected}" data-line="${n}">${rowHtml(text, m)}</div>`);
  });
  gutter.innerHTML = numbers.join("") + '<div class="pad"></div>';
  backdrop.innerHTML = rows.join("") + '<div class="pad"></div>';
  syncScroll();
}

// A line with its marked tokens wrapped; columns are UTF-16 units, as JavaScript indexes.
function rowHtml(text, m) {
  if (!m || !m.tokens.length) return escapeHtml(text);
  const tokens = [...m.tokens].sort((a, b) => a.start - b.start);
  let html = "";
  let at = 0;
  for (const t of tokens) {
    if (t.start < at || t.start > text.length) continue;
    const end = Math.min(t.end, text.length);
    html += escapeHtml(text.slice(at, t.start));
    html += `<mark class="${t.level}">${escapeHtml(text.slice(t.start, end))}</mark>`;
    at = end;
  }
  return html + escapeHtml(text.slice(at));
}

function syncScroll() {
  backdrop.scrollTop = yaml.scrollTop;
  backdrop.scrollLeft = yaml.scrollLeft;
  gutter.scrollTop = yaml.scrollTop;
}

function goTo(f) {
  const lines = yaml.value.split("\n");
  let offset = 0;
  for (let i = 0; i < f.line - 1 && i < lines.length; i++) offset += lines[i].length + 1;
  const lineText = lines[f.line - 1] ?? "";
  const start = offset + Math.min(f.column - 1, lineText.length);
  const end = f.width > 0 ? offset + Math.min(f.endColumn - 1, lineText.length) : offset + lineText.length;
  selectedLine = f.line;
  yaml.focus();
  yaml.setSelectionRange(start, end);
  const lineHeight = parseFloat(getComputedStyle(yaml).lineHeight) || 20;
  yaml.scrollTop = Math.max(0, (f.line - 1) * lineHeight - yaml.clientHeight / 3);
  drawEditor();
}

// ---- rule pages, settings, examples ------------------------------------------------------

function showDocs(id) {
  const text = policy.explain(id);
  if (text === undefined) return;
  $("docs-body").innerHTML = markdownToHtml(text);
  const docs = $("docs");
  docs.hidden = false;
  docs.dataset.rule = id;
  docs.scrollIntoView({ block: "start" });
  $("docs-close").focus();
}

async function copyPolicy() {
  const status = $("copy-status");
  let text;
  try {
    text = policy.policyYaml(settingsBox.value);
  } catch (e) {
    status.textContent = `Not copied: ${e.message}`;
    return;
  }
  try {
    await navigator.clipboard.writeText(text);
    status.textContent = "Copied policy.yaml to the clipboard.";
  } catch {
    status.textContent = "";
    $("policy-text").textContent = text;
    $("policy-dialog").showModal();
  }
}

async function loadExamples() {
  let paths = [];
  try {
    const response = await fetch("examples/index.json");
    if (response.ok) paths = await response.json();
  } catch {
    // Served without the examples: the editor still works.
  }
  for (const path of paths) {
    const option = document.createElement("option");
    option.value = path;
    option.textContent = path.replace(/^examples\//, "").replace(/\.ya?ml$/, "");
    exampleSelect.append(option);
  }
  return paths;
}

async function showExample(path) {
  if (!path) return;
  const response = await fetch(path);
  yaml.value = await response.text();
  selectedLine = 0;
  yaml.scrollTop = 0;
  update();
}

async function main() {
  await init();
  $("version").textContent = `Rules version ${policy.version()}.`;
  settingsBox.value = INITIAL_SETTINGS;
  const lintSoon = debounce(update, DELAY_MS);
  yaml.addEventListener("input", () => {
    // Edited: no longer the example as bundled.
    exampleSelect.value = "";
    lintSoon();
  });
  settingsBox.addEventListener("input", lintSoon);
  yaml.addEventListener("scroll", syncScroll);
  exampleSelect.addEventListener("change", () => showExample(exampleSelect.value));
  $("defaults").addEventListener("click", () => {
    settingsBox.value = policy.settingsYaml();
    update();
  });
  $("copy-policy").addEventListener("click", copyPolicy);
  $("fix-all").addEventListener("click", fixAll);
  $("fix-apply").addEventListener("click", applyFix);
  $("fix-cancel").addEventListener("click", () => $("fix-dialog").close());
  $("docs-close").addEventListener("click", () => {
    $("docs").hidden = true;
  });

  const paths = await loadExamples();
  const first = paths.includes(PREFERRED_EXAMPLE) ? PREFERRED_EXAMPLE : paths[0];
  if (first) {
    exampleSelect.value = first;
    await showExample(first);
  } else {
    update();
  }
  document.body.dataset.ready = "true";
}

main().catch((e) => {
  document.body.dataset.failed = String(e);
  $("verdict").textContent = `The rules could not be loaded: ${e}`;
});
