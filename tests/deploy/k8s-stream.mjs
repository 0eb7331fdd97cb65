// k8s-stream.mjs - read a stream of Kubernetes manifests as `helm template` prints it
// (documents separated by `---` lines, each after a `# Source: CHART/templates/F`
// comment) into [{source, obj}], empty documents left out. YAML 1.1, as Kubernetes
// reads it (yes/no/on/off are booleans there). Used by k8s-validate.mjs,
// k8s-query.mjs and kube-play-prep.mjs.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

// readStream(file) - the documents of FILE ("-": standard input)
export function readStream(file) {
  const text = readFileSync(file === "-" ? 0 : file, "utf8");
  const out = [];
  for (const doc of parseAllDocuments(text, { uniqueKeys: true, version: "1.1" })) {
    if (doc.errors.length) {
      throw new Error(`YAML error: ${doc.errors[0].message}`);
    }
    // the `# Source:` comment stands before the document's content
    const head = `${doc.commentBefore ?? ""}\n${doc.contents?.commentBefore ?? ""}`;
    const m = /Source: (\S+)/.exec(head);
    const obj = doc.toJS({ maxAliasCount: 0 });
    if (obj === null || obj === undefined) continue;
    out.push({ source: m ? m[1] : "(no source)", obj });
  }
  return out;
}
