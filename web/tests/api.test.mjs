// The npm package built by `make web` (web/pkg), under Node.js: every answer is compared with
// the CLI's for the same text and settings.

import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import * as pkg from "../pkg/node.js";
import {
  cliFixed,
  cliJson,
  cliSettingsMessage,
  comparable,
  examples,
  fromCli,
  readRepo,
  repoRoot,
  runCli,
  tempFile,
  webDir,
} from "./helpers.mjs";

test("lint gives the CLI's findings for every example", () => {
  const files = examples();
  assert.ok(files.length >= 10, `${files.length} examples`);
  let compared = 0;
  for (const file of files) {
    const text = readRepo(file);
    const cli = cliJson([file]);
    assert.deepEqual(cli.errors, [], file);
    const ours = pkg.lint(text);
    assert.deepEqual(
      ours.findings.map(comparable),
      cli.findings.map((f) => fromCli(f, text)),
      file,
    );
    compared += ours.findings.length;
    if (file.startsWith("examples/good/")) {
      assert.equal(ours.findings.length, 0, file);
      assert.equal(ours.documents[0].verdict, "admitted");
    } else {
      assert.ok(ours.findings.length > 0, `${file} has no findings`);
    }
  }
  assert.ok(compared >= 9, `${compared} findings compared`);
});

test("findings underline their token", () => {
  const text = readRepo("examples/bad/buildah-root-missing.yaml");
  const [f] = pkg.lint(text).findings;
  const line = text.split("\n")[f.line - 1];
  assert.equal(f.exact, true);
  assert.equal(line.slice(f.column - 1, f.endColumn - 1), "buildah");
  assert.equal(f.endColumn - f.column, f.width);
});

test("the same with settings, given as an object, YAML text or a policy manifest", () => {
  const settings = {
    rules: {
      "buildah-root-missing": { level: "warning" },
      "storage-on-node-disk": { level: "warning" },
      "capability-missing": { level: "off" },
    },
    requiredEnv: [{ name: "BUILDAH_STORAGE_ROOT", inWorkspace: true }, { name: "REGISTRY_AUTH_FILE" }],
  };
  const yamlText = pkg.settingsYaml(settings);
  const config = tempFile("settings.yaml", yamlText);
  const policyFile = tempFile("policy.yaml", pkg.policyYaml(settings));
  for (const file of examples()) {
    const text = readRepo(file);
    const want = cliJson(["--config", config, file]).findings.map((f) => fromCli(f, text));
    for (const given of [settings, yamlText, JSON.stringify(settings), readFileSync(policyFile, "utf8")]) {
      assert.deepEqual(pkg.lint(text, given).findings.map(comparable), want, file);
    }
    // The generated policy.yaml, read by the CLI as its configuration, means the same.
    const viaPolicy = cliJson(["--config", policyFile, file]).findings.map((f) => fromCli(f, text));
    assert.deepEqual(viaPolicy, want, file);
  }
  // The settings changed the verdict: a warning no longer rejects.
  const rootMissing = readRepo("examples/bad/buildah-root-missing.yaml");
  assert.equal(pkg.lint(rootMissing).documents[0].verdict, "rejected");
  const relaxed = pkg.lint(rootMissing, { rules: settings.rules });
  assert.equal(relaxed.documents[0].verdict, "admitted");
  assert.equal(relaxed.findings[0].level, "warning");
  assert.equal(relaxed.documents[0].warnings.length, 2);
  // And the required variable rejects the known-good Task.
  const good = pkg.lint(readRepo("examples/good/buildah-build-modelcar.yaml"), settings);
  assert.equal(good.documents[0].verdict, "rejected");
  assert.match(good.documents[0].message, /REGISTRY_AUTH_FILE/);
});

test("fix gives the CLI's --fix output for every example, and says what is left", () => {
  let fixedFiles = 0;
  for (const file of examples()) {
    const text = readRepo(file);
    const ours = pkg.fix(text);
    assert.equal(ours.text, cliFixed(text), file);
    assert.equal(ours.changed, ours.text !== text, file);
    // What is left is what lint reports in the fixed text, each with its reason.
    const left = pkg.lint(ours.text).findings;
    assert.deepEqual(
      ours.skipped.map((s) => [s.rule, s.line]),
      left.map((f) => [f.rule, f.line]),
      file,
    );
    assert.ok(ours.skipped.every((s) => s.reason.length > 0), file);
    // Every finding marked fixable was fixed.
    const before = pkg.lint(text).findings;
    assert.equal(ours.applied.length, before.filter((f) => f.fixable).length, file);
    if (ours.changed) {
      fixedFiles += 1;
      assert.match(ours.diff, /^--- a\/yaml\n\+\+\+ b\/yaml\n@@ /, file);
    } else {
      assert.equal(ours.diff, "", file);
    }
  }
  assert.ok(fixedFiles >= 6, `${fixedFiles} examples fixed`);
  // One rule only; an unknown rule id throws.
  const incident = readRepo("examples/bad/step-resources-field.yaml");
  assert.equal(pkg.fix(incident, null, ["buildah-root-missing"]).changed, false);
  assert.equal(pkg.fix(incident, null, ["step-resources-field"]).applied.length, 1);
  assert.throws(() => pkg.fix(incident, null, ["nope"]), /`nope` is not a rule id/);
});

test("fixFinding fixes the one finding asked for", () => {
  const text = readRepo("examples/bad/buildah-root-missing.yaml");
  const findings = pkg.lint(text).findings;
  const index = findings.findIndex((f) => f.rule === "buildah-root-missing");
  const one = pkg.fixFinding(text, null, index);
  assert.equal(one.text, pkg.fix(text).text);
  assert.match(one.diff, /\+ {8}buildah --root "\$BUILDAH_STORAGE_ROOT" --storage-driver=vfs push/);
  const compute = readRepo("examples/bad/compute-resources-missing.yaml");
  assert.throws(() => pkg.fixFinding(compute, null, 0), /no automatic fix/);
  assert.throws(() => pkg.fixFinding(compute, null, 9), /there is no finding 9/);
});

test("suppressed findings are reported with their reason and do not change the verdict", () => {
  const text = readRepo("examples/bad/privileged-container.yaml").replace(
    "        privileged: true\n",
    "        privileged: true # tekton-buildah-lint: ignore[privileged-container] legacy nodes\n",
  );
  const ours = pkg.lint(text);
  const cli = cliJson(["-"], text);
  assert.deepEqual(ours.findings.map(comparable), cli.findings.map((f) => fromCli(f, text)));
  assert.deepEqual(
    ours.findings.map((f) => [f.rule, f.suppressed]),
    [["privileged-container", "legacy nodes"]],
  );
  // The cluster reads no comments: still rejected.
  assert.equal(ours.documents[0].verdict, "rejected");
  assert.equal(pkg.fix(text).changed, false);
});

test("several documents, one not valid YAML: the CLI's findings and errors", () => {
  const parts = examples().map(readRepo);
  parts.splice(2, 0, "apiVersion: v1\nkind: ConfigMap\ndata: {a: [}\n");
  const text = parts.map((p) => (p.startsWith("---") ? p : `---\n${p}`)).join("");
  const cli = cliJson(["-"], text);
  const ours = pkg.lint(text);
  assert.deepEqual(ours.findings.map(comparable), cli.findings.map((f) => fromCli(f, text)));
  assert.deepEqual(
    ours.errors.map(({ line, column, message }) => ({ line, column, message })),
    cli.errors.map(({ line, column, message }) => ({ line, column, message })),
  );
  assert.equal(ours.errors.length, 1);
  assert.match(ours.errors[0].message, /^not valid YAML: /);
  assert.equal(ours.documents.length, examples().length);
});

test("columns count UTF-16 code units", () => {
  const text = [
    "apiVersion: tekton.dev/v1",
    "kind: Task",
    "metadata:",
    "  name: build",
    "spec:",
    "  steps:",
    "    - name: build",
    "      image: quay.io/buildah/stable",
    '      securityContext: {note: "構築 🚀🚀", privileged: true}',
    "",
  ].join("\n");
  const cli = cliJson(["-"], text).findings.filter((f) => f.rule === "privileged-container");
  const ours = pkg.lint(text).findings.filter((f) => f.rule === "privileged-container");
  assert.equal(ours.length, 1);
  assert.equal(cli.length, 1);
  const line = text.split("\n")[8];
  // Two rockets: two characters, four UTF-16 units.
  assert.equal(ours[0].column, cli[0].column + 2);
  assert.equal(line.slice(ours[0].column - 1, ours[0].endColumn - 1), "privileged");
  assert.equal(ours[0].width, 10);
});

test("rules() and explain() are the CLI's --list-rules and --explain", () => {
  const listed = runCli(["--list-rules"]).stdout.trim().split("\n").map((l) => l.split(/\s+/)[0]);
  const rules = pkg.rules();
  assert.deepEqual(rules.map((r) => r.id), listed);
  for (const r of rules) {
    assert.equal(typeof r.summary, "string");
    assert.equal(typeof r.defaultLevel, "string");
    assert.equal(r.configurable, r.id !== "invalid-object");
    const doc = pkg.explain(r.id);
    assert.equal(doc, runCli(["--explain", r.id]).stdout);
    assert.equal(doc, readRepo(`docs/rules/${r.id}.md`));
  }
  assert.equal(pkg.explain("no-such-rule"), undefined);
});

test("validateSettings answers as the policy's validate_settings", () => {
  assert.deepEqual(pkg.validateSettings({}), { valid: true });
  assert.deepEqual(pkg.validateSettings(null), { valid: true });
  assert.deepEqual(pkg.validateSettings(pkg.defaultSettings()), { valid: true });
  assert.deepEqual(pkg.validateSettings(""), { valid: true });
  // The exact text the policy gives (crates/core's settings tests and the CLI's own).
  const known = {
    requiredEnvs: [],
    mandatoryFlags: { build: ["--sqush"] },
  };
  assert.deepEqual(pkg.validateSettings(known), {
    valid: false,
    message:
      "2 problems in settings: `requiredEnvs` is not a setting (did you mean `requiredEnv`?); " +
      "mandatoryFlags.build[0]: `buildah build` has no option `--sqush` (did you mean `--squash`?)",
  });
  const invalid = [
    known,
    { rules: { "buildah-root-missing": { level: "loud" } } },
    { rules: { "invalid-object": { level: "off" } } },
    { requiredEnv: [{ name: "X", valuePattern: "(" }] },
    { allowedCapabilities: ["SETFCAPP"], buildahImages: "buildah" },
    { computeResources: { requests: ["memory"], limits: 3 } },
    [1, 2],
  ];
  for (const settings of invalid) {
    const answer = pkg.validateSettings(settings);
    assert.equal(answer.valid, false, JSON.stringify(settings));
    // The CLI reads the same settings from a file and prints the policy's message.
    assert.equal(answer.message, cliSettingsMessage(JSON.stringify(settings)), JSON.stringify(settings));
    // As text (read as YAML, of which JSON is a part) the message is the same; lint throws it.
    assert.deepEqual(pkg.validateSettings(JSON.stringify(settings, null, 2)), answer);
    assert.throws(() => pkg.lint("a: 1\n", settings), (e) => e instanceof Error && e.message === answer.message);
    assert.throws(() => pkg.policyYaml(settings), (e) => e.message === answer.message);
  }
  const syntax = pkg.validateSettings("rules: {");
  assert.equal(syntax.valid, false);
  assert.match(syntax.message, /^not valid YAML or JSON: line \d+ column \d+: /);
  assert.equal(syntax.message, cliSettingsMessage("rules: {"));
});

test("policyYaml is the repository's policy.yaml with the given settings", () => {
  const repository = readRepo("policy.yaml");
  const start = repository.indexOf("\napiVersion:") + 1;
  const head = repository.slice(start, repository.indexOf("\n  settings:") + 1);
  const defaults = pkg.policyYaml();
  assert.ok(defaults.includes(head), "the resource up to `settings:` is policy.yaml's");
  assert.match(defaults, /^# A ClusterAdmissionPolicy/);
  // Written out, the defaults check as policy.yaml does.
  const file = tempFile("policy.yaml", defaults);
  for (const example of examples()) {
    assert.deepEqual(cliJson(["--config", file, example]), cliJson(["--config", "policy.yaml", example]));
  }
  const custom = pkg.policyYaml("rules: {privileged-container: {level: off}}");
  assert.ok(custom.endsWith('  settings:\n    rules:\n      privileged-container:\n        level: "off"\n'), custom);
});

test("the package: declarations, package.json and version", () => {
  const dts = readFileSync(join(webDir, "pkg/tekton_buildah_web.d.ts"), "utf8");
  for (const line of [
    "export function lint(text: string, settings?: SettingsInput): LintResult;",
    "export function validateSettings(settings: unknown): SettingsCheck;",
    "export function rules(): RuleInfo[];",
    "export function explain(id: string): string | undefined;",
    "export function policyYaml(settings?: SettingsInput): string;",
    "export function fix(text: string, settings?: SettingsInput, rules?: string[]): FixResult;",
    "export function fixFinding(text: string, settings: SettingsInput, index: number): FindingFix;",
    "export interface FixResult {",
    "export interface Finding {",
    "export interface LintResult {",
    "export interface RuleInfo {",
    "export interface SettingsCheck {",
  ]) {
    assert.ok(dts.includes(line), `missing from the declarations: ${line}`);
  }
  assert.ok(!/\): any;/.test(dts), "no function returns any");
  const manifest = JSON.parse(readFileSync(join(webDir, "pkg/package.json"), "utf8"));
  const workspace = readFileSync(join(repoRoot, "Cargo.toml"), "utf8").match(/^version = "(.*)"$/m)[1];
  assert.equal(manifest.version, workspace);
  assert.equal(pkg.version(), workspace);
  assert.equal(manifest.type, "module");
  for (const file of [...manifest.files, manifest.types, manifest.main, ...Object.values(manifest.exports["."])]) {
    assert.ok(existsSync(join(webDir, "pkg", file)), `${file} is in the package`);
  }
});
