// spec_check.mjs - checks pxtc's OpenAPI document (tests/integration/it_openapi.sh):
// valid OpenAPI 3.1 for a pinned validator (tests/package.json), every route of
// `pxtc routes` present with its methods and nothing else, and the schemas of the
// reference app's routes and of the test's extra routes naming the right columns.
//
// usage: node spec_check.mjs DOC.json ROUTES.txt VERSION open|keys
//   ROUTES.txt  the output of `pxtc routes`
//   open        no API key configured: no security anywhere
//   keys        API keys configured: protected operations carry the bearer scheme
import { readFileSync } from "node:fs";
import { Validator } from "@seriousme/openapi-schema-validator";

const [docFile, routesFile, version, mode] = process.argv.slice(2);
const doc = JSON.parse(readFileSync(docFile, "utf8"));
let failures = 0, checks = 0;

function check(ok, what) {
  checks++;
  if (!ok) {
    failures++;
    console.error(`spec_check: FAIL ${what}`);
  }
}
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
const sorted = (a) => [...(a || [])].sort();
const op = (path, method) => (doc.paths[path] || {})[method];
const json = (x) => x && x.content && x.content["application/json"] &&
  x.content["application/json"].schema;

// 1. valid for the validator, every $ref resolvable
const validator = new Validator();
const res = await validator.validate(structuredClone(doc));
check(res.valid, `valid OpenAPI: ${JSON.stringify(res.errors, null, 1)}`);
check(validator.version === "3.1", `OpenAPI 3.1, got ${validator.version}`);
let resolved = null;
try {
  resolved = validator.resolveRefs();
} catch (e) {
  check(false, `$refs resolve: ${e}`);
}
check(doc.openapi === "3.1.0", `openapi ${doc.openapi}`);
check(doc.info.title === "pxtc" && doc.info.version === version,
  `info ${JSON.stringify(doc.info)}`);

// 2. the routes of `pxtc routes`, with their methods, and nothing else
const want = new Set();
for (const line of readFileSync(routesFile, "utf8").split("\n")) {
  const m = line.match(/^((?:[A-Z]+, )*[A-Z]+) +(\/\S*) /);
  if (!m) continue;
  for (const meth of m[1].split(", ")) want.add(`${meth.toLowerCase()} ${m[2]}`);
}
const have = new Set(), ids = new Set();
for (const [path, item] of Object.entries(doc.paths))
  for (const [meth, o] of Object.entries(item)) {
    have.add(`${meth} ${path}`);
    check(!ids.has(o.operationId), `operationId ${o.operationId} is unique`);
    ids.add(o.operationId);
    check(o.summary && o.tags && o.tags.length === 1, `${meth} ${path}: summary, tag`);
    for (const [status, r] of Object.entries(o.responses)) {
      const ref = r.$ref && r.$ref.replace("#/components/responses/", "");
      check(!r.$ref || doc.components.responses[ref], `${meth} ${path} ${status}: ${r.$ref}`);
    }
    const templated = (path.match(/\{[^}]+\}/g) || []).map((s) => s.slice(1, -1));
    const inPath = (o.parameters || []).filter((p) => p.in === "path").map((p) => p.name);
    check(same(sorted(templated), sorted(inPath)), `${meth} ${path}: path parameters`);
  }
check(want.size >= 12, `pxtc routes listed ${want.size} route methods`);
for (const w of want) check(have.has(w), `the document has ${w}`);
for (const h of have) check(want.has(h), `${h} is a route of pxtc routes`);

// 3. the documents routes of the reference app
const ins = op("/api/data/documents", "post");
const insReq = json(ins.requestBody);
check(same(Object.keys(insReq.properties), ["document", "metadata"]),
  `insert body columns: ${Object.keys(insReq.properties)}`);
check(insReq.additionalProperties === false, "insert refuses other columns");
check(!(insReq.required || []).some((c) => ["uuid", "timestamp", "text"].includes(c)),
  `insert requires no defaulted or computed column: ${insReq.required}`);
check(same(insReq.required, ["document"]), `document is Required[Document]: ${insReq.required}`);
check(insReq.properties.document["x-pxt-type"] === "Document", "document is a Document");
const insRow = json(ins.responses["200"]);
for (const c of ["uuid", "document", "metadata", "timestamp", "text", "title", "n_words", "summary"])
  check(insRow.properties[c] && insRow.required.includes(c), `insert answers ${c}`);
check([].concat(insRow.properties.n_words.type).includes("integer"), "n_words is an integer");
check(insRow.properties.timestamp.format === "date-time", "timestamp is a date-time");
check(ins.parameters.some((p) => p.in === "header" && p.name === "Idempotency-Key"),
  "insert takes Idempotency-Key");
for (const s of ["400", "413", "415", "422", "500"]) check(ins.responses[s], `insert ${s}`);

const upd = json(op("/api/data/documents/update", "post").requestBody);
check(same(upd.required, ["uuid"]) && same(sorted(Object.keys(upd.properties)),
  ["document", "metadata", "uuid"]), `update body: ${JSON.stringify(upd)}`);
check(op("/api/data/documents/update", "post").responses["404"], "update 404");
const del = op("/api/data/documents/delete", "post");
check(same(json(del.requestBody).required, ["uuid"]), "delete takes the key");
check(json(del.responses["200"]).$ref === "#/components/schemas/NumRows", "delete: num_rows");
check(resolved && same(Object.keys(json(resolved.paths["/api/data/documents/delete"].post
  .responses["200"]).properties), ["num_rows"]), "num_rows resolved");

const list = op("/api/data/documents", "get");
const limit = list.parameters.find((p) => p.name === "limit");
check(limit && limit.in === "query" && limit.schema.maximum === 1000 &&
  limit.schema.default === 20 && !limit.required, `list limit: ${JSON.stringify(limit)}`);
check(list.parameters.some((p) => p.name === "offset" && p.in === "query"), "list offset");
check(!list.requestBody, "a GET has no body");
const rows = json(list.responses["200"]);
check(same(rows.required, ["rows"]) && rows.properties.rows.items.properties.metadata,
  "list answers {rows: [...]}");

const chunks = op("/api/data/documents/{uuid}/chunks", "get");
const key = chunks.parameters.find((p) => p.name === "uuid");
check(key && key.in === "path" && key.required && key.schema.format === "uuid", "chunks {uuid}");
check(chunks.parameters.find((p) => p.name === "limit").schema.maximum === 10000,
  "chunks limit max");
check(chunks.responses["404"], "chunks 404 for an unknown document");
check(same(Object.keys(json(chunks.responses["200"]).properties.rows.items.properties),
  ["uuid", "pos", "text", "heading", "page"]), "chunk columns");

// 4. the test's extra routes: a C one_row query, a POST query, a narrowed insert, a
// background insert
const probe = op("/api/probe/by_document", "get");
const docParam = probe.parameters.find((p) => p.name === "document");
check(docParam && docParam.in === "query" && docParam.required, "probe ?document");
check(json(probe.responses["200"]).properties.document && probe.responses["404"] &&
  probe.responses["409"], "one_row: the row, 404, 409");
const recent = op("/api/extra/recent", "post");
const recentBody = json(recent.requestBody);
check(same(Object.keys(recentBody.properties), ["limit", "offset"]) && !recentBody.required,
  `POST query body: ${JSON.stringify(recentBody)}`);
check(recent.parameters.length === 0, "POST query: no query string parameters");
const notes = op("/api/extra/notes", "post");
check(same(Object.keys(json(notes.requestBody).properties), ["document", "metadata"]),
  "notes inputs");
check(same(Object.keys(json(notes.responses["200"]).properties), ["uuid", "metadata"]),
  "notes outputs");
// a background route: 200 {id, job_url} (as Pixeltable's BackgroundJobResponse), and
// its job status route under the service prefix
const later = op("/api/extra/later", "post");
const jobRef = json(later.responses["200"]);
check(jobRef && jobRef.$ref === "#/components/schemas/Job" && !later.responses["202"],
  `background route: 200 Job: ${JSON.stringify(later.responses)}`);
const job = doc.components.schemas.Job;
check(same(sorted(job.required), ["id", "job_url"]) && job.properties.job_url.format === "uri",
  `Job schema: ${JSON.stringify(job)}`);
const jobGet = op("/api/extra/_pxt/jobs/{id}", "get");
const status = doc.components.schemas.JobStatus;
check(jobGet && json(jobGet.responses["200"]).$ref === "#/components/schemas/JobStatus" &&
  jobGet.responses["404"], "the job status route: 200 JobStatus, 404");
check(same(status.properties.status.enum, ["pending", "done", "error"]) &&
  ["result", "error", "error_detail"].every((k) => k in status.properties),
  `JobStatus schema: ${JSON.stringify(status)}`);

// 5. the error body and the security scheme
const err = doc.components.schemas.Error;
check(same(sorted(err.required), ["cause", "error_code", "message", "retry_after", "retryable"]),
  "Error: the detail object");
const open = new Set(["get /api/health", "get /api/openapi.json", "get /openapi.json",
  "post /api/extra/recent"]);
for (const [path, item] of Object.entries(doc.paths))
  for (const [meth, o] of Object.entries(item)) {
    const name = `${meth} ${path}`;
    if (mode === "open") {
      check(o.security === undefined && !o.responses["401"], `${name}: no security`);
    } else if (open.has(name)) {
      check(same(o.security, []) && !o.responses["401"], `${name}: public`);
    } else {
      check(same(o.security, [{ bearerAuth: [] }]) && o.responses["401"],
        `${name}: needs the key`);
    }
  }
const schemes = doc.components.securitySchemes;
if (mode === "open")
  check(schemes === undefined, "no security scheme without API keys");
else
  check(schemes && schemes.bearerAuth.type === "http" && schemes.bearerAuth.scheme === "bearer",
    "bearer security scheme");

console.log(`spec_check: ${checks - failures} passed, ${failures} failed`);
process.exit(failures ? 1 : 0);
