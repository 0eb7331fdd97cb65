#!/usr/bin/env node
// k8s-query.mjs - print what a JavaScript expression finds in a stream of Kubernetes
// manifests, for the shell assertions of tests/deploy/dt_helm.sh.
//
//   node tests/deploy/k8s-query.mjs FILE 'EXPRESSION'
//   node tests/deploy/k8s-query.mjs FILE --checks CHECKS
//
// CHECKS holds one check a line, EXPRESSION<TAB>WANTED: each prints "  ok   ..." or
// "  FAIL ..." (the answer is compared as printed below), so that one process runs
// all the checks of a stream.
//
// The expression sees:
//   objs              every object of the stream
//   all(kind)         the objects of a kind
//   one(kind[, name]) the one object of a kind (and name); fails when there are
//                     none or several
//   pod(obj)          the pod spec of a Deployment or Job
//   ctr(obj, name)    a container (or init container) of a Deployment or Job
//   env(c, NAME)      a container's env entry NAME (undefined when absent)
//   ann(obj, key)     an annotation of obj
// A string result prints as it is, undefined as "undefined", anything else as JSON.
// Exit 1 when the expression throws.
import { readFileSync } from "node:fs";
import { readStream } from "./k8s-stream.mjs";

const [file, expr, checks] = process.argv.slice(2);
if (!file || !expr || (expr === "--checks" && !checks)) {
  console.error("usage: k8s-query.mjs FILE EXPRESSION | FILE --checks CHECKS");
  process.exit(2);
}
const objs = readStream(file).map((d) => d.obj);
const all = (kind) => objs.filter((o) => o.kind === kind);
const one = (kind, name) => {
  const found = all(kind).filter((o) => name === undefined || o.metadata?.name === name);
  if (found.length !== 1) {
    throw new Error(`${found.length} objects of kind ${kind}${name ? ` named ${name}` : ""}`);
  }
  return found[0];
};
const pod = (obj) => obj.spec.template.spec;
const ctr = (obj, name) => {
  const s = pod(obj);
  const c = [...(s.initContainers ?? []), ...(s.containers ?? [])].find((x) => x.name === name);
  if (!c) throw new Error(`no container ${name} in ${obj.kind}/${obj.metadata.name}`);
  return c;
};
const env = (c, name) => (c.env ?? []).find((e) => e.name === name);
const ann = (obj, key) => obj.metadata?.annotations?.[key];

// answer(expression) - the expression's value as printed
function answer(e) {
  const fn = new Function("objs", "all", "one", "pod", "ctr", "env", "ann", `return (${e});`);
  const r = fn(objs, all, one, pod, ctr, env, ann);
  return typeof r === "string" ? r : r === undefined ? "undefined" : JSON.stringify(r);
}

if (expr === "--checks") {
  let failed = 0;
  for (const line of readFileSync(checks, "utf8").split("\n")) {
    if (!line) continue;
    const tab = line.indexOf("\t");
    const [e, want] = [line.slice(0, tab), line.slice(tab + 1)];
    let got;
    try {
      got = answer(e);
    } catch (err) {
      got = `error: ${err.message}`;
    }
    if (got === want) {
      console.log(`  ok   ${e} == ${want}`);
    } else {
      failed++;
      console.log(`  FAIL ${e}: got '${got}', want '${want}'`);
    }
  }
  process.exit(failed ? 1 : 0);
}
try {
  console.log(answer(expr));
} catch (e) {
  console.error(`k8s-query: ${expr}: ${e.message}`);
  process.exit(1);
}
