#!/usr/bin/env node
// kube-play-prep.mjs - split a rendered pxtc chart into what podman 4.3's `kube play`
// can run, for tests/deploy/dt_kube_play.sh. Each change works around one podman
// limitation; the objects themselves are the chart's, unchanged otherwise:
//
//   node tests/deploy/kube-play-prep.mjs STREAM OUTDIR
//
// Writes:
//   OUTDIR/setup.yaml   the schema program as a Pod to run first: the setup Job's pod
//                       template (external mode; podman runs no Jobs) or the
//                       Deployment's `setup` init container with the pod's volumes
//                       (embedded mode; podman 4.3.1 restarts a finished init
//                       container of a Deployment's pod and then fails to remove it),
//                       restartPolicy Never; with the ConfigMaps it reads and, in
//                       embedded mode, the PersistentVolumeClaim (a podman volume)
//   OUTDIR/play.yaml    the ConfigMaps and the Deployment (embedded mode: without its
//                       init container, which setup.yaml ran on the same volume)
//   OUTDIR/secrets.tsv  NAME<TAB>JSON per Secret: podman 4.3 stores a Secret of a
//                       played file as YAML but reads secrets as JSON ({"KEY":
//                       base64}), so the test makes them with `podman secret create`
//   OUTDIR/names.txt    what the test removes afterwards: "volume NAME" and
//                       "secret NAME" lines
// podman 4.3 makes each emptyDir a named volume called as the pod's volume ("home",
// "run", "tmp"), shared by every pod naming one alike, and `kube down` removes it:
// each pod's emptyDir volumes are renamed POD-NAME, private to the pod as in
// Kubernetes.
// With hostNetwork, the containers' `ports` are dropped: podman 4.3 turns them into
// port mappings, which it refuses on the host network.
// Services, Ingresses, HPAs, PDBs and ServiceAccounts have no meaning for podman.
import { mkdirSync, writeFileSync } from "node:fs";
import { stringify } from "yaml";
import { readStream } from "./k8s-stream.mjs";

const [stream, outDir] = process.argv.slice(2);
if (!stream || !outDir) {
  console.error("usage: kube-play-prep.mjs STREAM OUTDIR");
  process.exit(2);
}
mkdirSync(outDir, { recursive: true });
const objs = readStream(stream).map((d) => d.obj);
const isHook = (o) => o.metadata?.annotations?.["helm.sh/hook"] !== undefined;
const deployment = objs.find((o) => o.kind === "Deployment");
const job = objs.find((o) => o.kind === "Job");
if (!deployment) throw new Error("no Deployment in the stream");

// configMapsOf(podSpec) - the ConfigMaps of the stream a pod's volumes mount
const configMapsOf = (spec) => {
  const names = new Set((spec.volumes ?? []).filter((v) => v.configMap).map((v) => v.configMap.name));
  return objs.filter((o) => o.kind === "ConfigMap" && names.has(o.metadata.name));
};

// isolate(spec, pod) - give the pod's emptyDir volumes names of its own
const emptyDirs = [];
const isolate = (spec, pod) => {
  const renamed = {};
  for (const v of spec.volumes ?? []) {
    if (!v.emptyDir) continue;
    renamed[v.name] = `${pod}-${v.name}`;
    v.name = renamed[v.name];
    emptyDirs.push(v.name);
  }
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
    for (const m of c.volumeMounts ?? []) m.name = renamed[m.name] ?? m.name;
  }
};

// the pod that runs the schema program
let setupPod;
const setupDocs = [];
if (job) {
  const spec = structuredClone(job.spec.template.spec);
  spec.restartPolicy = "Never";
  setupPod = { apiVersion: "v1", kind: "Pod",
    metadata: { name: job.metadata.name, labels: job.spec.template.metadata?.labels }, spec };
} else {
  const spec = structuredClone(deployment.spec.template.spec);
  const init = (spec.initContainers ?? []).find((c) => c.name === "setup");
  if (!init) throw new Error("embedded mode without the setup init container");
  spec.containers = [init];
  delete spec.initContainers;
  spec.restartPolicy = "Never";
  setupPod = { apiVersion: "v1", kind: "Pod",
    metadata: { name: `${deployment.metadata.name}-setup`,
      labels: deployment.spec.template.metadata?.labels }, spec };
  setupDocs.push(...objs.filter((o) => o.kind === "PersistentVolumeClaim"));
}
isolate(setupPod.spec, setupPod.metadata.name);
setupDocs.push(...configMapsOf(setupPod.spec), setupPod);

// the Deployment, its init container already run
const dep = structuredClone(deployment);
delete dep.spec.template.spec.initContainers;
isolate(dep.spec.template.spec, dep.metadata.name);
if (dep.spec.template.spec.hostNetwork) {
  for (const c of dep.spec.template.spec.containers) delete c.ports;
}
const playDocs = [...configMapsOf(dep.spec.template.spec).filter((o) => !isHook(o)), dep];

const yaml = (docs) => docs.map((d) => `---\n${stringify(d, { lineWidth: 0, version: "1.1" })}`).join("");
writeFileSync(`${outDir}/setup.yaml`, yaml(setupDocs));
writeFileSync(`${outDir}/play.yaml`, yaml(playDocs));
const secrets = objs.filter((o) => o.kind === "Secret");
writeFileSync(`${outDir}/secrets.tsv`,
  secrets.map((s) => `${s.metadata.name}\t${JSON.stringify(s.data ?? {})}\n`).join(""));
const names = [
  ...secrets.map((s) => `secret ${s.metadata.name}`),
  ...objs.filter((o) => o.kind === "ConfigMap").map((o) => `volume ${o.metadata.name}`),
  ...objs.filter((o) => o.kind === "PersistentVolumeClaim").map((o) => `volume ${o.metadata.name}`),
  ...emptyDirs.map((n) => `volume ${n}`),
];
writeFileSync(`${outDir}/names.txt`, names.map((n) => `${n}\n`).join(""));
console.log(`kube-play-prep: ${setupDocs.length} objects to set up, ${playDocs.length} to play, ` +
  `${secrets.length} secrets`);
