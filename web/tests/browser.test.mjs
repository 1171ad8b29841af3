// The playground in a real browser: headless Chromium (the system's, /usr/bin/chromium or
// $CHROMIUM) driven by playwright-core, the page served from web/ on a loopback port. The
// findings the page lists are compared with the CLI's for every example.
//
// Saves a screenshot to target/web-test/playground.png; UPDATE_SCREENSHOT=1 also writes
// docs/playground.png (the README's picture).

import assert from "node:assert/strict";
import { createReadStream, mkdirSync, copyFileSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { extname, join, normalize, sep } from "node:path";
import { after, before, test } from "node:test";
import { chromium } from "playwright-core";
import { cliFixed, cliJson, cliSettingsMessage, fromCli, readRepo, repoRoot, tempFile, webDir } from "./helpers.mjs";

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".yaml": "text/plain; charset=utf-8",
  ".ts": "text/plain; charset=utf-8",
  ".md": "text/plain; charset=utf-8",
};

let server;
let browser;
let context;
let page;
let origin;

/** A static server for web/ on an ephemeral loopback port. */
function serve() {
  return new Promise((resolvePromise) => {
    const s = createServer((req, res) => {
      const url = new URL(req.url, "http://localhost");
      const relative = normalize(decodeURIComponent(url.pathname)).replace(/^[/\\]+/, "");
      const file = join(webDir, relative || "index.html");
      let ok = (file === webDir || file.startsWith(webDir + sep)) && !relative.startsWith("node_modules");
      try {
        ok = ok && statSync(file).isFile();
      } catch {
        ok = false;
      }
      if (!ok) {
        res.writeHead(404).end("not found");
        return;
      }
      res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
      createReadStream(file).pipe(res);
    });
    s.listen(0, "127.0.0.1", () => resolvePromise(s));
  });
}

before(async () => {
  server = await serve();
  origin = `http://127.0.0.1:${server.address().port}`;
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--headless=new"],
  });
  context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin });
  page = await context.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(String(e)));
  page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
  await page.goto(`${origin}/index.html`);
  await page.waitForFunction(() => document.body.dataset.ready === "true" || document.body.dataset.failed);
  assert.equal(await page.evaluate(() => document.body.dataset.failed ?? null), null);
  assert.deepEqual(problems, []);
});

after(async () => {
  await browser?.close();
  server?.close();
});

/** Runs `action`, then waits until the page has checked the text again. */
async function afterLint(action) {
  const before = await page.evaluate(() => Number(document.body.dataset.lintCount ?? 0));
  await action();
  await page.waitForFunction((n) => Number(document.body.dataset.lintCount ?? 0) > n, before);
}

/** What the page shows: findings, gutter marks, underlined tokens, verdicts. */
function shown() {
  return page.evaluate(() => {
    const all = (selector) => [...document.querySelectorAll(selector)];
    return {
      findings: all("#findings li").map((li) => ({
        rule: li.dataset.rule,
        level: li.dataset.level,
        path: li.dataset.path,
        line: Number(li.dataset.line),
        column: Number(li.dataset.column),
        subject: li.querySelector(".subject").textContent,
        message: li.querySelector(".text").textContent,
      })),
      gutter: all("#gutter .ln.error, #gutter .ln.warning").map((ln) => [Number(ln.dataset.line), ln.classList.contains("error") ? "error" : "warning"]),
      rows: all("#backdrop .row.error, #backdrop .row.warning").map((r) => Number(r.dataset.line)),
      marks: all("#backdrop mark").map((m) => [Number(m.closest(".row").dataset.line), m.className, m.textContent]),
      verdicts: all("#verdict li").map((li) => [li.className, li.querySelector(".word").textContent, li.querySelector(".label").textContent]),
      settingsStatus: document.getElementById("settings-status").textContent,
    };
  });
}

/** The CLI's findings for `text`, in the page's terms. */
function cliFindings(text, configText) {
  const args = configText ? ["--config", tempFile("settings.yaml", configText), "-"] : ["-"];
  return cliJson(args, text).findings.map((f) => {
    const { rule, level, path, line, column, subject, message } = fromCli(f, text);
    return { rule, level, path, line, column, subject, message };
  });
}

/** Gutter marks the findings call for: a line with an error is an error line. */
function expectedGutter(findings) {
  const lines = new Map();
  for (const f of findings) {
    if (lines.get(f.line) !== "error") lines.set(f.line, f.level);
  }
  return [...lines].sort((a, b) => a[0] - b[0]);
}

async function setSettings(text) {
  if ((await page.inputValue("#settings")) === text) return;
  await afterLint(() => page.fill("#settings", text));
}

/** Pastes `text` into the editor through the clipboard, as a person would. */
async function paste(text) {
  await page.evaluate((t) => navigator.clipboard.writeText(t), text);
  await page.click("#yaml");
  await page.keyboard.press("Control+A");
  await afterLint(() => page.keyboard.press("Control+V"));
  assert.equal(await page.inputValue("#yaml"), text);
}

test("the page gives the CLI's findings for every example", async () => {
  await setSettings("");
  const paths = await page.$$eval("#example option", (os) => os.map((o) => o.value).filter(Boolean));
  assert.equal(paths[0], "examples/good/buildah-build-modelcar.yaml");
  assert.ok(paths.length >= 10, `${paths.length} examples offered`);
  for (const path of paths) {
    await afterLint(() => page.selectOption("#example", path));
    const text = readRepo(path);
    assert.equal(await page.inputValue("#yaml"), text, path);
    const want = cliFindings(text);
    const got = await shown();
    assert.deepEqual(got.findings, want, path);
    assert.deepEqual(got.gutter, expectedGutter(want), path);
    const rejected = want.some((f) => f.level === "error");
    assert.deepEqual(got.verdicts.map((v) => v[0]), [rejected ? "rejected" : "admitted"], path);
  }
});

test("Fix all, on every bad example, leaves the editor as the CLI's --fix leaves the file", async () => {
  await setSettings("");
  const paths = await page.$$eval("#example option", (os) =>
    os.map((o) => o.value).filter((v) => v.startsWith("examples/bad/")),
  );
  assert.ok(paths.length >= 9, `${paths.length} bad examples`);
  let fixed = 0;
  for (const path of paths) {
    await afterLint(() => page.selectOption("#example", path));
    const text = readRepo(path);
    const want = cliFixed(text);
    if (await page.isDisabled("#fix-all")) {
      // Nothing the page offers to fix: nothing the CLI fixes either.
      assert.equal(want, text, path);
      continue;
    }
    await page.click("#fix-all");
    await page.waitForSelector("#fix-dialog[open]");
    // The change is shown before it is made.
    const diff = await page.textContent("#fix-diff");
    assert.match(diff, /^--- a\/yaml\n\+\+\+ b\/yaml\n@@ /, path);
    assert.equal(await page.inputValue("#yaml"), text, path);
    await afterLint(() => page.click("#fix-apply"));
    assert.equal(await page.inputValue("#yaml"), want, path);
    assert.equal(await page.isVisible("#fix-dialog"), false);
    // And what is left is what the CLI reports in the fixed file.
    assert.deepEqual((await shown()).findings, cliFindings(want), path);
    fixed += 1;
  }
  assert.ok(fixed >= 6, `${fixed} examples fixed`);
});

test("a finding's Fix shows its change, and Cancel keeps the text", async () => {
  await setSettings("");
  const path = "examples/bad/privileged-container.yaml";
  await afterLint(() => page.selectOption("#example", path));
  const text = readRepo(path);
  await page.click('#findings li[data-rule="privileged-container"] button.fix');
  await page.waitForSelector("#fix-dialog[open]");
  const removed = await page.$$eval("#fix-diff .del", (spans) => spans.map((s) => s.textContent));
  assert.deepEqual(removed, ["-        privileged: true"]);
  await page.click("#fix-cancel");
  assert.equal(await page.inputValue("#yaml"), text);
  await page.click('#findings li[data-rule="privileged-container"] button.fix');
  await afterLint(() => page.click("#fix-apply"));
  assert.equal(await page.inputValue("#yaml"), cliFixed(text));
  assert.equal(await page.inputValue("#example"), "");
});

test("a pasted bad Task is marked on its lines", async () => {
  await setSettings("");
  const text = readRepo("examples/bad/buildah-root-missing.yaml");
  await paste(text);
  const got = await shown();
  const want = cliFindings(text);
  assert.deepEqual(got.findings, want);
  // The missing `--root`, and where that puts the push's storage: the node's disk.
  assert.deepEqual(want.map((f) => f.rule), ["buildah-root-missing", "storage-on-node-disk"]);
  assert.deepEqual(got.gutter, [[65, "error"]]);
  assert.deepEqual(got.rows, [65]);
  assert.deepEqual(got.marks, [[65, "error", "buildah"]]);
  assert.deepEqual(got.verdicts, [["rejected", "REJECTED", "Task/buildah-build-modelcar"]]);
  // What the cluster answers: the policy's rejection message.
  assert.equal(
    await page.textContent("#verdict li pre.said"),
    `2 problems: ${want.map((f) => `[${f.rule}] ${f.subject}: ${f.message}`).join("; ")}`,
  );

  // Its position selects the token in the editor.
  await page.click("#findings li .position");
  const selected = await page.evaluate(() => {
    const t = document.getElementById("yaml");
    return t.value.slice(t.selectionStart, t.selectionEnd);
  });
  assert.equal(selected, "buildah");
  assert.equal(await page.evaluate(() => document.activeElement.id), "yaml");
});

test("marks land on the token after wide characters (UTF-16 columns)", async () => {
  const text = readRepo("examples/good/buildah-build-modelcar.yaml").replace(
    /^(\s+)securityContext:\n/m,
    '$1securityContext: {note: "構築 🚀🚀", privileged: true}\n$1x-was:\n',
  );
  await paste(text);
  const got = await shown();
  assert.deepEqual(got.findings, cliFindings(text));
  const privileged = got.marks.filter(([, , token]) => token === "privileged");
  assert.equal(privileged.length, 1, JSON.stringify(got.marks));
});

test("settings change the verdict", async () => {
  await setSettings("");
  await afterLint(() => page.selectOption("#example", "examples/bad/buildah-root-missing.yaml"));
  assert.equal((await shown()).verdicts[0][0], "rejected");

  const relaxed = "rules:\n  buildah-root-missing: {level: warning}\n  storage-on-node-disk: {level: warning}\n";
  await setSettings(relaxed);
  let got = await shown();
  assert.equal(got.settingsStatus, "Valid settings.");
  assert.deepEqual(got.verdicts.map((v) => v[0]), ["admitted"]);
  assert.deepEqual(got.gutter, [[65, "warning"]]);
  assert.deepEqual(got.findings, cliFindings(readRepo("examples/bad/buildah-root-missing.yaml"), relaxed));

  // A required variable the known-good Task does not set rejects it.
  const stricter = '{"requiredEnv": [{"name": "REGISTRY_AUTH_FILE"}]}';
  await setSettings(stricter);
  await afterLint(() => page.selectOption("#example", "examples/good/buildah-build-modelcar.yaml"));
  got = await shown();
  assert.deepEqual(got.verdicts.map((v) => v[0]), ["rejected"]);
  assert.ok(got.findings.some((f) => f.rule === "required-env" && f.message.includes("REGISTRY_AUTH_FILE")));
  assert.deepEqual(got.findings, cliFindings(readRepo("examples/good/buildah-build-modelcar.yaml"), stricter));
});

test("invalid settings show the policy's message", async () => {
  for (const bad of [
    "rules: {buildah-root-missing: {level: loud}}\n",
    '{"requiredEnvs": [], "mandatoryFlags": {"build": ["--sqush"]}}',
    "rules: {",
  ]) {
    await setSettings(bad);
    const got = await shown();
    assert.equal(got.settingsStatus, cliSettingsMessage(bad));
    assert.equal(await page.getAttribute("#settings", "aria-invalid"), "true");
    assert.deepEqual(got.findings, []);
    assert.equal(got.verdicts[0][1], "NOT CHECKED");
  }
  assert.equal(
    (await shown()).settingsStatus.startsWith("not valid YAML or JSON: "),
    true,
  );
  await setSettings("");
});

test("a rule id opens its documentation, by keyboard too", async () => {
  await afterLint(() => page.selectOption("#example", "examples/bad/privileged-container.yaml"));
  await page.focus("#findings li .rule");
  await page.keyboard.press("Enter");
  await page.waitForSelector("#docs:not([hidden])");
  const docs = await page.evaluate(() => ({
    rule: document.getElementById("docs").dataset.rule,
    h1: document.querySelector("#docs-body h1")?.textContent,
    h2: [...document.querySelectorAll("#docs-body h2")].map((h) => h.textContent),
    code: document.querySelectorAll("#docs-body pre code").length,
  }));
  assert.equal(docs.rule, "privileged-container");
  assert.equal(docs.h1, "privileged-container");
  assert.ok(docs.h2.includes("What it does"), docs.h2.join(", "));
  assert.ok(docs.code >= 1);
  await page.click("#docs-close");
  assert.equal(await page.isHidden("#docs"), true);
});

test("copy as policy.yaml writes the ClusterAdmissionPolicy for the settings", async () => {
  const settings = "rules:\n  capability-missing: {level: off}\nbuildahImages: ['*buildah*', '*kaniko*']\n";
  await setSettings(settings);
  await afterLint(() => page.selectOption("#example", "examples/bad/capability-missing.yaml"));
  await page.evaluate(() => navigator.clipboard.writeText(""));
  await page.click("#copy-policy");
  await page.waitForFunction(() => document.getElementById("copy-status").textContent.startsWith("Copied"));
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  assert.match(copied, /^kind: ClusterAdmissionPolicy$/m);
  assert.match(copied, /^ {2}module: registry:\/\//m);
  assert.match(copied, /^ {2}settings:\n {4}rules:\n {6}capability-missing:\n {8}level: "off"\n {4}buildahImages: \["\*buildah\*", "\*kaniko\*"\]\n$/m);
  // The CLI, configured with the copied policy, finds what the page shows.
  const text = readRepo("examples/bad/capability-missing.yaml");
  assert.deepEqual((await shown()).findings, cliFindings(text, copied));
  assert.deepEqual(cliFindings(text, copied), cliFindings(text, settings));

  // Without a clipboard the text is shown to copy by hand.
  await page.evaluate(() => {
    navigator.clipboard.writeText = () => Promise.reject(new Error("no clipboard"));
  });
  await page.click("#copy-policy");
  await page.waitForSelector("#policy-dialog[open]");
  assert.equal(await page.textContent("#policy-text"), copied);
  await page.click("#policy-dialog button");
  await page.evaluate(() => delete navigator.clipboard.writeText);
  await setSettings("");
});

test("the incident's Task, pasted: every lesson marked (and the screenshot)", async () => {
  // The known-good Task as it was after the refactoring that got the build evicted.
  const good = readRepo("examples/good/buildah-build-modelcar.yaml");
  const incident = good
    .replace("      computeResources:\n", "      resources:\n")
    .replace("buildah --root ${BUILDAH_STORAGE_ROOT} --storage-driver=vfs bud", "buildah --storage-driver=vfs bud")
    .replace("          --layers=false \\\n", "")
    .replace("      securityContext:\n", "      securityContext:\n        privileged: true\n");
  assert.notEqual(incident, good);
  const settings = "# Warn, do not reject, when a buildah step adds no SETFCAP.\nrules:\n  capability-missing: {level: warning}\n";
  await setSettings(settings);
  await paste(incident);
  assert.equal(await page.inputValue("#example"), "");
  const got = await shown();
  assert.deepEqual(got.findings, cliFindings(incident, settings));
  const rules = new Set(got.findings.map((f) => f.rule));
  for (const rule of ["step-resources-field", "buildah-root-missing", "buildah-flag-missing", "privileged-container"]) {
    assert.ok(rules.has(rule), `${rule} in ${[...rules]}`);
  }
  assert.deepEqual(got.gutter, expectedGutter(got.findings));

  await page.click('#findings li[data-rule="buildah-root-missing"] .rule');
  await page.waitForSelector("#docs:not([hidden])");
  await page.evaluate(() => {
    const yaml = document.getElementById("yaml");
    yaml.blur();
    yaml.scrollTop = 16 * parseFloat(getComputedStyle(yaml).lineHeight);
    yaml.dispatchEvent(new Event("scroll"));
    window.scrollTo(0, 0);
  });
  const dir = join(repoRoot, "target/web-test");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "playground.png");
  await page.screenshot({ path: file });
  if (process.env.UPDATE_SCREENSHOT === "1") copyFileSync(file, join(repoRoot, "docs/playground.png"));
  assert.ok(statSync(file).size > 10_000);
});
