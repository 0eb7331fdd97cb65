#!/usr/bin/env node
// k8s-validate.mjs - validate every object of a stream of Kubernetes manifests (as
// `helm template` prints it) against its kind's schema, from the npm package
// kubernetes-models (tests/package.json pins it), and fail on anything else.
//
//   node tests/deploy/k8s-validate.mjs FILE|-
//
// Per object:
//   - the kind must be one the pxtc chart makes, at the API version the schema has:
//     Deployment (apps/v1), Service, Secret, ConfigMap, PersistentVolumeClaim,
//     ServiceAccount (v1), Job (batch/v1), HorizontalPodAutoscaler (autoscaling/v2),
//     PodDisruptionBudget (policy/v1), Ingress (networking.k8s.io/v1); any other
//     kind fails;
//   - the schema: types, required fields, enums, formats (the package's validators);
//   - no unknown fields, as `kubectl apply --validate=strict` refuses them: the
//     schema validators accept extra keys, so each object is validated through a
//     Proxy that records which keys the validator read; a key it never read, in an
//     object whose keys it did not enumerate (maps such as labels), is unknown;
//   - what the API server checks beyond the schema: metadata.name (a DNS-1123
//     subdomain, a label for Services and Jobs), label keys and values, unique
//     kind/name pairs, a Deployment's selector matching its pod labels, pod
//     restartPolicy for its controller, unique container names, volumeMounts naming
//     a volume of the pod, port names, probes on a named port that exists, env
//     names, Secret data in base64;
//   - references inside the stream: a Service's and a PodDisruptionBudget's selector
//     match a pod template of the stream, an HPA scales a Deployment of the stream,
//     an Ingress points at a Service port of the stream.
// Prints one line per object and a summary; exit 1 when anything failed.
import { readStream } from "./k8s-stream.mjs";

const KINDS = {
  Deployment: ["apps/v1", "apps/v1"],
  Service: ["v1", "v1"],
  Secret: ["v1", "v1"],
  ConfigMap: ["v1", "v1"],
  PersistentVolumeClaim: ["v1", "v1"],
  ServiceAccount: ["v1", "v1"],
  Job: ["batch/v1", "batch/v1"],
  HorizontalPodAutoscaler: ["autoscaling/v2", "autoscaling/v2"],
  PodDisruptionBudget: ["policy/v1", "policy/v1"],
  Ingress: ["networking.k8s.io/v1", "networking.k8s.io/v1"],
};

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

// modelFor(obj) - the kubernetes-models class of obj's kind, or an error text
async function modelFor(obj) {
  const want = KINDS[obj.kind];
  if (!want) return `kind ${JSON.stringify(obj.kind)} is not one the chart makes`;
  if (obj.apiVersion !== want[0]) {
    return `${obj.kind} must be apiVersion ${want[0]}, not ${JSON.stringify(obj.apiVersion)}`;
  }
  const mod = await import(`kubernetes-models/${want[1]}`);
  return mod[obj.kind];
}

// schemaErrors(Model, obj) - the schema's verdict plus the unknown fields
function schemaErrors(Model, obj) {
  const reads = new WeakMap();
  const enumerated = new WeakSet();
  const proxies = new WeakMap();
  const wrap = (t) => {
    if (t === null || typeof t !== "object") return t;
    if (proxies.has(t)) return proxies.get(t);
    reads.set(t, new Set());
    const p = new Proxy(t, {
      get(target, key, receiver) {
        if (typeof key === "string") reads.get(target).add(key);
        return wrap(Reflect.get(target, key, receiver));
      },
      has(target, key) {
        if (typeof key === "string") reads.get(target).add(key);
        return Reflect.has(target, key);
      },
      ownKeys(target) {
        enumerated.add(target);
        return Reflect.ownKeys(target);
      },
    });
    proxies.set(t, p);
    return p;
  };
  const errors = [];
  try {
    Model.prototype.validate.call(wrap(obj));
  } catch (e) {
    errors.push(`schema: ${e.message}`);
    return errors;
  }
  const walk = (t, path) => {
    if (Array.isArray(t)) {
      t.forEach((x, i) => walk(x, `${path}/${i}`));
      return;
    }
    if (t === null || typeof t !== "object") return;
    const r = reads.get(t);
    for (const k of Object.keys(t)) {
      if (r && !enumerated.has(t) && !r.has(k)) errors.push(`unknown field ${path}/${k}`);
      walk(t[k], `${path}/${k}`);
    }
  };
  walk(obj, "");
  return errors;
}

// labelErrors(labels, where) - invalid label keys or values
function labelErrors(labels, where) {
  const errors = [];
  for (const [k, v] of Object.entries(labels ?? {})) {
    const [prefix, name] = k.includes("/") ? k.split("/", 2) : [null, k];
    if ((prefix !== null && (!DNS_SUBDOMAIN.test(prefix) || prefix.length > 253)) ||
        !LABEL_NAME.test(name) || name.length > 63) {
      errors.push(`${where}: bad label key ${JSON.stringify(k)}`);
    }
    if (typeof v !== "string" || v.length > 63 || !LABEL_VALUE.test(v)) {
      errors.push(`${where}: bad value of label ${k}: ${JSON.stringify(v)}`);
    }
  }
  return errors;
}

// podErrors(spec, where, controller) - what the API server checks in a pod spec
function podErrors(spec, where, controller) {
  const errors = [];
  const restart = spec.restartPolicy ?? "Always";
  if (controller === "Deployment" && restart !== "Always") {
    errors.push(`${where}: a Deployment's pods need restartPolicy Always, not ${restart}`);
  }
  if (controller === "Job" && !["Never", "OnFailure"].includes(spec.restartPolicy)) {
    errors.push(`${where}: a Job's pods need restartPolicy Never or OnFailure`);
  }
  const volumes = new Set();
  for (const v of spec.volumes ?? []) {
    if (volumes.has(v.name)) errors.push(`${where}: volume ${v.name} twice`);
    volumes.add(v.name);
    if (!DNS_LABEL.test(v.name)) errors.push(`${where}: bad volume name ${v.name}`);
  }
  const names = new Set();
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
    const at = `${where}/containers/${c.name}`;
    if (names.has(c.name)) errors.push(`${at}: container name twice`);
    names.add(c.name);
    if (!DNS_LABEL.test(c.name)) errors.push(`${at}: bad container name`);
    const mounts = new Set();
    for (const m of c.volumeMounts ?? []) {
      if (!volumes.has(m.name)) errors.push(`${at}: volumeMount of unknown volume ${m.name}`);
      if (mounts.has(m.mountPath)) errors.push(`${at}: two mounts at ${m.mountPath}`);
      mounts.add(m.mountPath);
    }
    const ports = new Set();
    for (const p of c.ports ?? []) {
      if (p.name !== undefined) {
        if (p.name.length > 15 || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(p.name) ||
            !/[a-z]/.test(p.name)) {
          errors.push(`${at}: bad port name ${p.name}`);
        }
        ports.add(p.name);
      }
    }
    for (const probe of ["readinessProbe", "livenessProbe", "startupProbe"]) {
      const port = c[probe]?.httpGet?.port ?? c[probe]?.tcpSocket?.port;
      if (typeof port === "string" && !ports.has(port)) {
        errors.push(`${at}: ${probe} on port ${port}, which the container does not name`);
      }
      if (c[probe] && ["exec", "httpGet", "tcpSocket", "grpc"].filter((h) => c[probe][h]).length !== 1) {
        errors.push(`${at}: ${probe} needs exactly one handler`);
      }
    }
    for (const e of c.env ?? []) {
      if (!ENV_NAME.test(e.name)) errors.push(`${at}: bad env name ${e.name}`);
      if (e.value !== undefined && e.valueFrom !== undefined) {
        errors.push(`${at}: env ${e.name} has both value and valueFrom`);
      }
    }
  }
  return errors;
}

// selects(selector, labels) - whether matchLabels selects labels
function selects(matchLabels, labels) {
  return Object.entries(matchLabels ?? {}).every(([k, v]) => labels?.[k] === v);
}

async function main() {
  const file = process.argv[2];
  if (!file) {
    console.error("usage: k8s-validate.mjs FILE|-");
    process.exit(2);
  }
  const docs = readStream(file);
  let failed = 0;
  const seen = new Set();
  const counts = {};
  const podTemplates = [];
  for (const { obj } of docs) {
    if (obj.kind === "Deployment" || obj.kind === "Job") {
      podTemplates.push(obj.spec?.template?.metadata?.labels ?? {});
    }
  }
  for (const { source, obj } of docs) {
    const id = `${obj?.kind}/${obj?.metadata?.name}`;
    const errors = [];
    const Model = await modelFor(obj);
    if (typeof Model === "string") {
      errors.push(Model);
    } else {
      errors.push(...schemaErrors(Model, obj));
      const name = obj.metadata?.name;
      const label = ["Service", "Job"].includes(obj.kind);
      if (typeof name !== "string" || !(label ? DNS_LABEL : DNS_SUBDOMAIN).test(name) ||
          name.length > (label ? 63 : 253)) {
        errors.push(`metadata.name ${JSON.stringify(name)} is not a DNS-1123 ${label ? "label" : "subdomain"}`);
      }
      if (seen.has(id)) errors.push(`${id} twice in the stream`);
      seen.add(id);
      errors.push(...labelErrors(obj.metadata?.labels, "metadata.labels"));
      const tpl = obj.spec?.template;
      if (tpl) {
        errors.push(...labelErrors(tpl.metadata?.labels, "template labels"));
        errors.push(...podErrors(tpl.spec ?? {}, "spec.template.spec", obj.kind));
      }
      if (obj.kind === "Deployment" &&
          !selects(obj.spec?.selector?.matchLabels, tpl?.metadata?.labels)) {
        errors.push("spec.selector does not match spec.template.metadata.labels");
      }
      if (obj.kind === "Secret") {
        for (const [k, v] of Object.entries(obj.data ?? {})) {
          if (!BASE64.test(v)) errors.push(`data.${k} is not base64`);
        }
      }
      if (obj.kind === "Service" || obj.kind === "PodDisruptionBudget") {
        const sel = obj.kind === "Service" ? obj.spec?.selector : obj.spec?.selector?.matchLabels;
        if (!podTemplates.some((l) => selects(sel, l)) || !sel || !Object.keys(sel).length) {
          errors.push("its selector matches no pod template of the stream");
        }
      }
      if (obj.kind === "HorizontalPodAutoscaler") {
        const ref = obj.spec.scaleTargetRef;
        if (!docs.some((d) => d.obj.kind === ref.kind && d.obj.metadata?.name === ref.name)) {
          errors.push(`scaleTargetRef ${ref.kind}/${ref.name} is not in the stream`);
        }
      }
      if (obj.kind === "Ingress") {
        for (const rule of obj.spec?.rules ?? []) {
          for (const p of rule.http?.paths ?? []) {
            const svc = docs.find((d) => d.obj.kind === "Service" &&
                d.obj.metadata?.name === p.backend?.service?.name);
            const port = p.backend?.service?.port;
            if (!svc || !(svc.obj.spec.ports ?? []).some((sp) =>
                (port?.name && sp.name === port.name) || (port?.number && sp.port === port.number))) {
              errors.push(`backend ${p.backend?.service?.name}:${port?.name ?? port?.number} is no Service port of the stream`);
            }
          }
        }
      }
    }
    counts[obj?.kind] = (counts[obj?.kind] ?? 0) + 1;
    if (errors.length) {
      failed++;
      console.log(`FAIL ${id} (${source})`);
      for (const e of errors) console.log(`  ${e}`);
    } else {
      console.log(`ok   ${id} (${source})`);
    }
  }
  const summary = Object.entries(counts).map(([k, n]) => `${n} ${k}`).join(", ");
  console.log(`k8s-validate: ${docs.length - failed} valid, ${failed} invalid (${summary || "no objects"})`);
  process.exit(failed || !docs.length ? 1 : 0);
}

main().catch((e) => {
  console.error(`k8s-validate: ${e.stack ?? e}`);
  process.exit(1);
});
