// Extracts the parts of GitHub's REST description and webhook examples that lockgate's tests use.
// Run through scripts/extract-github-fixtures.sh, which unpacks the pinned npm packages:
//   node extract-github-fixtures.mjs <openapi api.github.com.json> <webhooks index.json> <out dir>
// No dependencies beyond node's standard library.
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";

const [openapiPath, webhooksPath, outDir] = process.argv.slice(2);
if (!openapiPath || !webhooksPath || !outDir) {
  console.error("usage: extract-github-fixtures.mjs <api.github.com.json> <webhooks index.json> <out dir>");
  process.exit(2);
}

// The operations lockgate calls (the GitHub Action, and the nightly rescan's tracking issue).
const OPERATIONS = [
  "issues/list-comments",
  "issues/create-comment",
  "issues/update-comment",
  "issues/delete-comment",
  "checks/create",
  "checks/update",
  "repos/get-content",
  "git/get-tree",
  "git/get-blob",
  "repos/get",
  "issues/list-for-repo",
  "issues/create",
  "issues/update",
  "pulls/get",
];
const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

const api = JSON.parse(readFileSync(openapiPath, "utf8"));
const paths = {};
const found = new Set();
for (const [path, item] of Object.entries(api.paths)) {
  for (const method of METHODS) {
    const op = item[method];
    if (op && OPERATIONS.includes(op.operationId)) {
      paths[path] ??= {};
      if (item.parameters) paths[path].parameters = item.parameters;
      paths[path][method] = op;
      found.add(op.operationId);
    }
  }
}
const missing = OPERATIONS.filter((id) => !found.has(id));
if (missing.length) {
  console.error(`operations not in the description: ${missing.join(", ")}`);
  process.exit(1);
}

// Every component the kept operations reach, following refs transitively.
const components = {};
const pending = [];
function collectRefs(node) {
  if (Array.isArray(node)) node.forEach(collectRefs);
  else if (node && typeof node === "object") {
    for (const [k, v] of Object.entries(node)) {
      if (k === "$ref" && typeof v === "string") pending.push(v);
      else collectRefs(v);
    }
  }
}
collectRefs(paths);
while (pending.length) {
  const ref = pending.pop();
  const m = /^#\/components\/([^/]+)\/([^/]+)$/.exec(ref);
  if (!m) {
    console.error(`unsupported $ref: ${ref}`);
    process.exit(1);
  }
  const [, kind, name] = m;
  if (components[kind]?.[name] !== undefined) continue;
  const target = api.components?.[kind]?.[name];
  if (target === undefined) {
    console.error(`dangling $ref: ${ref}`);
    process.exit(1);
  }
  components[kind] ??= {};
  components[kind][name] = target;
  collectRefs(target);
}
// Stable order so regenerating gives the same bytes.
const sorted = (o) => Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]]));
for (const kind of Object.keys(components)) components[kind] = sorted(components[kind]);

const subset = {
  openapi: api.openapi,
  info: { ...api.info, description: `${api.info.description ?? ""} (subset: ${OPERATIONS.join(", ")})` },
  servers: api.servers,
  paths: sorted(paths),
  components: sorted(components),
};
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, "openapi-subset.json"), JSON.stringify(subset, null, 1) + "\n");

// Webhook payloads, exactly as the package ships them (the first example of each event/action).
const events = JSON.parse(readFileSync(webhooksPath, "utf8"));
const hooksDir = join(outDir, "webhooks");
mkdirSync(hooksDir, { recursive: true });
function example(name, action) {
  const ev = events.find((e) => e.name === name);
  const ex = ev?.examples.find((x) => action === undefined || x.action === action);
  if (!ex) {
    console.error(`no ${name}${action ? "." + action : ""} example in @octokit/webhooks-examples`);
    process.exit(1);
  }
  return ex;
}
function write(file, payload) {
  writeFileSync(join(hooksDir, file), JSON.stringify(payload, null, 2) + "\n");
}
const opened = example("pull_request", "opened");
write("pull_request.opened.json", opened);
write("pull_request.synchronize.json", example("pull_request", "synchronize"));
write("merge_group.checks_requested.json", example("merge_group", "checks_requested"));
// The first push example is a tag; lockgate cares about branch pushes.
const push = events.find((e) => e.name === "push")?.examples.find((x) => x.ref?.startsWith("refs/heads/"));
if (!push) {
  console.error("no branch push example in @octokit/webhooks-examples");
  process.exit(1);
}
write("push.json", push);
write("workflow_dispatch.json", example("workflow_dispatch"));
if (events.some((e) => e.name === "pull_request_target")) {
  write("pull_request_target.opened.json", example("pull_request_target", "opened"));
}

// No example in the package is a pull request from a fork. A fork PR differs from a same-repo PR
// in `pull_request.head` only: head.repo is the fork (fork: true, another owner) and head.label /
// head.user name the fork's owner. Build one from two real examples: the pull_request.opened
// payload with head.repo replaced by the fork event's `forkee` (a real fork of the same
// Codertocat/Hello-World base repository).
const forkee = example("fork").forkee;
const fork = structuredClone(opened);
fork.pull_request.head.repo = forkee;
fork.pull_request.head.user = forkee.owner;
fork.pull_request.head.label = `${forkee.owner.login}:${fork.pull_request.head.ref}`;
write("pull_request.opened.fork.json", fork);

// GitHub documents no webhook payload for `schedule` ("Webhook event payload: Not applicable");
// a workflow sees only `github.event.schedule`, the cron string that fired.
write("schedule.json", { schedule: "30 5,17 * * *" });

const size = JSON.stringify(subset).length;
console.log(`openapi subset: ${Object.keys(paths).length} paths, ${found.size} operations, ${size} bytes`);
