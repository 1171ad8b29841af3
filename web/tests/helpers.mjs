// What both test files share: the repository's paths, the CLI (the reference every answer of
// the package and the page is compared with) and the bundled examples.

import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const webDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const repoRoot = resolve(webDir, "..");

/** The CLI binary: $TEKTON_BUILDAH_LINT, else the debug build (`make web-test` builds it),
 * else the release build. */
export function cliPath() {
  const candidates = [
    process.env.TEKTON_BUILDAH_LINT,
    join(repoRoot, "target/debug/tekton-buildah-lint"),
    join(repoRoot, "target/release/tekton-buildah-lint"),
  ].filter(Boolean);
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`no tekton-buildah-lint binary (tried ${candidates.join(", ")})`);
  return found;
}

/** Runs the CLI from the repository root; `input` goes to standard input. */
export function runCli(args, input) {
  const r = spawnSync(cliPath(), args, { cwd: repoRoot, input, encoding: "utf8" });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The CLI's JSON document (docs/cli-json.md) for files or standard input. */
export function cliJson(args, input) {
  const r = runCli(["--format", "json", ...args], input);
  if (r.status === 2 && !r.stdout) throw new Error(`the CLI failed: ${r.stderr}`);
  const doc = JSON.parse(r.stdout);
  if (doc.version !== 1) throw new Error(`unknown CLI JSON version ${doc.version}`);
  return doc;
}

/** The examples the page offers, relative to the repository: the known-good Task first. */
export function examples() {
  const list = (dir) =>
    readdirSync(join(repoRoot, dir))
      .filter((f) => /\.ya?ml$/.test(f))
      .sort()
      .map((f) => `${dir}/${f}`);
  return [...list("examples/good"), ...list("examples/bad")];
}

export function readRepo(path) {
  return readFileSync(join(repoRoot, path), "utf8");
}

/** A file in a fresh temporary directory. */
export function tempFile(name, text) {
  const path = join(mkdtempSync(join(tmpdir(), "tbp-web-")), name);
  writeFileSync(path, text);
  return path;
}

/** The CLI counts columns in characters, JavaScript in UTF-16 units: the CLI's column as
 * JavaScript counts it on that line of `text`. */
export function utf16Column(text, line, column) {
  const lineText = text.split(/\r\n|\r|\n/)[line - 1] ?? "";
  return [...lineText].slice(0, column - 1).join("").length + 1;
}

/** A CLI finding in the package's terms, for comparison. */
export function fromCli(f, text) {
  return {
    rule: f.rule,
    level: f.level,
    subject: f.subject,
    path: f.path,
    message: f.message,
    document: f.document,
    line: f.line,
    column: utf16Column(text, f.line, f.column),
    exact: f.exact,
    fixable: f.fixable,
    unfixable: f.unfixable,
    suppressed: f.suppressed === null ? null : f.suppressed.justification,
  };
}

/** The same fields of a package finding. */
export function comparable(f) {
  const { rule, level, subject, path, message, document, line, column, exact, fixable, unfixable, suppressed } = f;
  return { rule, level, subject, path, message, document, line, column, exact, fixable, unfixable, suppressed };
}

/** What `tekton-buildah-lint --fix` writes for `text` (fixed in a temporary copy). */
export function cliFixed(text, configText) {
  const file = tempFile("task.yaml", text);
  const config = configText ? ["--config", tempFile("settings.yaml", configText)] : [];
  const r = runCli(["--fix", ...config, file]);
  if (r.status === 2) throw new Error(`the CLI failed: ${r.stderr}`);
  return readFileSync(file, "utf8");
}

/** The settings error the CLI prints for a settings file: `error: <file>: <message>`. */
export function cliSettingsMessage(settingsText) {
  const file = tempFile("settings.yaml", settingsText);
  const r = runCli(["--config", file, "examples/good/buildah-build-modelcar.yaml"]);
  const prefix = `error: ${file}: `;
  if (r.status !== 2 || !r.stderr.startsWith(prefix)) {
    throw new Error(`expected a settings error, got status ${r.status}: ${r.stderr}`);
  }
  return r.stderr.slice(prefix.length).trimEnd();
}
