#!/usr/bin/env bash
# dt_helm.sh - the Helm chart deploy/helm/pxtc renders, in every mode, into objects
# Kubernetes accepts, with the properties its README promises.
#
# There is no helm here: tests/deploy/helm-render (Go, Debian's sprig and yaml
# packages; its header lists the Helm 3 semantics it implements) renders the chart
# as `helm template` does. Every rendered stream is validated by k8s-validate.mjs
# (kubernetes-models' schemas, unknown fields refused, the API server's own checks)
# and then queried object by object (k8s-query.mjs). Proves:
#   - default values and tests/deploy/values-embedded.yaml: embedded mode is one
#     replica, strategy Recreate, the `setup` init container on the same
#     ReadWriteOnce claim, the full image, no Job, HPA or PDB; the pod is workers +
#     nginx sharing an emptyDir for the FastCGI socket and the home volume; non-root
#     (10001), read-only root file system, no privilege escalation, no capabilities;
#     readiness is GET /api/health on nginx's port, liveness `pxtc serve live` (not
#     the database); config.toml and the service file mounted where pxtc reads them;
#     secrets only in the Secret;
#   - tests/deploy/values-external.yaml: external mode runs the slim image, the setup
#     Job is a pre-install/pre-upgrade hook (weight 0, before-hook-creation) whose
#     Secret and ConfigMap are hooks of weight -10, printed before it; the database
#     URL and the media secret are in the Secret; an HPA (autoscaling/v2, CPU) and a
#     PodDisruptionBudget (policy/v1, minAvailable 1);
#   - tests/deploy/values-external-existing.yaml: the database URL comes from the
#     named existing Secret and key, the rest from secrets.existingSecret, and the
#     chart makes no Secret; replicaCount without autoscaling;
#   - a changed config.toml changes the pods' checksum annotation (pods roll);
#   - values that cannot work stop the rendering with a message naming the value
#     (external mode without a database: `required`'s message);
#   - the validator refuses what Kubernetes refuses (it is not vacuous);
#   - the renderer keeps the Helm semantics its header lists, on a small chart of its
#     own: values coalescing (a null deletes), Helm's number typing (values files:
#     float64, 1e+06; --set: int64, 007 a string), include, tpl, required's message,
#     toYaml, missing keys rendering empty, partials and NOTES.txt left out, documents
#     in install order then hooks by weight, the kubeVersion constraint;
#   - yamllint passes on Chart.yaml and values.yaml.
# Needs: Debian's golang-go, golang-github-masterminds-sprig-dev,
# golang-gopkg-yaml.v2-dev and yamllint (installed when missing, as root), and
# tests/node_modules (deploy/install-deps.sh). Environment: PXT_SOURCE_DIR,
# PXT_BUILD_DIR (ctest sets both); the renderer is built into the build folder.
# shellcheck disable=SC2015,SC2016  # `check && pass || fail`: pass never fails; JS in quotes
set -euo pipefail

SRC=${PXT_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
BUILD=${PXT_BUILD_DIR:-$SRC/build}
CHART=$SRC/deploy/helm/pxtc
TESTS=$SRC/tests/deploy
RENDER=$BUILD/deploy/helm-render
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
PASSED=0
FAILED=0

say() { printf 'dt_helm: %s\n' "$*"; }
die() { printf 'dt_helm: error: %s\n' "$*" >&2; exit 1; }

# ensure_tools - yamllint and the npm test peers (helm-render/build.sh brings Go)
ensure_tools() {
	if ! command -v yamllint >/dev/null; then
		[[ $(id -u) -eq 0 ]] || die "missing Debian package: yamllint"
		say "installing yamllint"
		DEBIAN_FRONTEND=noninteractive apt-get update -q
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends yamllint
	fi
	[[ -e $SRC/tests/node_modules/kubernetes-models/package.json ]] ||
	    die "tests/node_modules lacks kubernetes-models: run bash deploy/install-deps.sh"
}

# build_renderer - compile tests/deploy/helm-render into the build folder (offline)
build_renderer() { bash "$TESTS/helm-render/build.sh" "$RENDER"; }

# render OUT [helm-render args...] - render the chart as release `pxtc` into OUT
render() {
	local out=$1
	shift
	"$RENDER" "$@" pxtc "$CHART" >"$out"
}

# pass/fail MESSAGE - count one check
pass() { PASSED=$((PASSED + 1)); printf '  ok   %s\n' "$1"; }
fail() { FAILED=$((FAILED + 1)); printf '  FAIL %s\n' "$1"; }

# q FILE EXPR - evaluate a query on a rendered stream
q() { node "$TESTS/k8s-query.mjs" "$1" "$2"; }

# expect FILE EXPR WANT - queue a check of a rendered stream (run_checks runs them)
expect() { printf '%s\t%s\n' "$2" "$3" >>"$1.checks"; }

# run_checks FILE - run the queued checks of FILE in one process and count them
run_checks() {
	local out n ok bad
	n=$(wc -l <"$1.checks")
	out=$(node "$TESTS/k8s-query.mjs" "$1" --checks "$1.checks" 2>&1) || true
	printf '%s\n' "$out"
	ok=$(grep -c '^  ok ' <<<"$out" || true)
	bad=$(grep -c '^  FAIL ' <<<"$out" || true)
	PASSED=$((PASSED + ok))
	FAILED=$((FAILED + bad))
	((ok + bad == n)) || fail "$(basename "$1"): $n checks queued, $((ok + bad)) ran"
	rm -f "$1.checks"
}

# validate FILE - every object of FILE passes k8s-validate.mjs
validate() {
	if node "$TESTS/k8s-validate.mjs" "$1" >"$WORK/validate.log" 2>&1; then
		pass "$(basename "$1"): $(tail -n 1 "$WORK/validate.log")"
	else
		cat "$WORK/validate.log"
		fail "$(basename "$1") does not validate"
	fi
}

# refuse NAME MESSAGE [helm-render args...] - rendering fails and says MESSAGE
refuse() {
	local name=$1 msg=$2
	shift 2
	if "$RENDER" "$@" pxtc "$CHART" >"$WORK/$name.out" 2>"$WORK/$name.err"; then
		fail "$name: rendered, but should have failed with '$msg'"
	elif grep -qF -- "$msg" "$WORK/$name.err" &&
	    grep -q '^Error: execution error at (pxtc/templates/' "$WORK/$name.err"; then
		pass "$name refused: $(head -c 160 "$WORK/$name.err")"
	else
		fail "$name: wrong error: $(cat "$WORK/$name.err")"
	fi
}

# check_pod_basics FILE - what every mode's Deployment pod must have
check_pod_basics() {
	local f=$1 c
	local d='one("Deployment")'
	expect "$f" "pod($d).containers.map(c => c.name).join(',')" "workers,nginx"
	expect "$f" "ctr($d,'workers').args.join(' ')" "workers"
	expect "$f" "ctr($d,'nginx').args.join(' ')" "nginx"
	expect "$f" "ctr($d,'nginx').ports[0].containerPort" "8080"
	expect "$f" "JSON.stringify(ctr($d,'nginx').readinessProbe.httpGet)" \
	    '{"path":"/api/health","port":"http"}'
	for c in workers nginx; do
		expect "$f" "ctr($d,'$c').livenessProbe.exec.command.join(' ')" "pxtc serve live $c"
		expect "$f" "ctr($d,'$c').livenessProbe.httpGet === undefined" "true"
		expect "$f" "ctr($d,'$c').livenessProbe.periodSeconds >= 30" "true"
		expect "$f" "ctr($d,'$c').startupProbe.exec.command.join(' ')" "pxtc serve live $c"
		expect "$f" "ctr($d,'$c').volumeMounts.filter(m => m.name==='run')[0].mountPath" \
		    "/data/pixeltable/run"
		expect "$f" "ctr($d,'$c').volumeMounts.filter(m => m.name==='home')[0].mountPath" \
		    "/data/pixeltable"
		expect "$f" "ctr($d,'$c').volumeMounts.filter(m => m.name==='tmp')[0].mountPath" "/tmp"
		expect "$f" "env(ctr($d,'$c'),'PXTC_FCGI_LISTEN').value" "/data/pixeltable/run/pxtc.sock"
		expect "$f" "env(ctr($d,'$c'),'PXTC_FCGI_UPSTREAM').value" \
		    "unix:/data/pixeltable/run/pxtc.sock"
		expect "$f" "env(ctr($d,'$c'),'PIXELTABLE_HOME').value" "/data/pixeltable"
		expect "$f" "JSON.stringify(ctr($d,'$c').securityContext)" \
		    '{"allowPrivilegeEscalation":false,"capabilities":{"drop":["ALL"]},"readOnlyRootFilesystem":true,"runAsGroup":10001,"runAsNonRoot":true,"runAsUser":10001}'
		expect "$f" "(ctr($d,'$c').resources.requests.cpu ?? '') !== ''" "true"
	done
	expect "$f" "pod($d).volumes.find(v => v.name==='run').emptyDir.medium" "Memory"
	expect "$f" "JSON.stringify(pod($d).volumes.find(v => v.name==='tmp'))" \
	    '{"name":"tmp","emptyDir":{}}'
	expect "$f" "[pod($d).securityContext.runAsNonRoot, pod($d).securityContext.runAsUser, pod($d).securityContext.fsGroup].join(' ')" \
	    "true 10001 10001"
	expect "$f" "pod($d).automountServiceAccountToken" "false"
	expect "$f" "pod($d).hostNetwork === undefined" "true"
	expect "$f" "one('Service').spec.ports[0].targetPort" "http"
}

# secret_value FILE NAME KEY - a Secret's decoded value
secret_value() {
	q "$1" "Buffer.from(one('Secret','$2').data['$3'] ?? '', 'base64').toString()"
}

# check_renderer - helm-render on a chart made for it, against what Helm 3 prints
check_renderer() {
	local c=$WORK/tchart f=$WORK/tchart.yaml
	mkdir -p "$c/templates"
	cat >"$c/Chart.yaml" <<-'EOF'
	apiVersion: v2
	name: t
	version: 0.1.0
	appVersion: "1.2"
	kubeVersion: ">=1.25.0-0"
	EOF
	cat >"$c/values.yaml" <<-'EOF'
	a: {b: 1, c: keep, d: drop}
	big: 1000000
	list: [x, y]
	needX: false
	EOF
	cat >"$c/templates/_p.tpl" <<-'EOF'
	{{- define "t.p" -}}p={{ .Values.a.c }}{{- end }}
	EOF
	cat >"$c/templates/NOTES.txt" <<-'EOF'
	notes of {{ .Release.Name }}
	EOF
	cat >"$c/templates/t.yaml" <<-'EOF'
	{{- if .Values.needX }}{{ required "need x" .Values.x }}{{ end }}
	apiVersion: v1
	kind: ConfigMap
	metadata:
	  name: {{ .Release.Name }}-{{ .Chart.Name }}
	  namespace: {{ .Release.Namespace }}
	data:
	  inc: {{ include "t.p" . | quote }}
	  tpl: {{ tpl "{{ .Values.a.c }}-{{ .Release.Service }}" . | quote }}
	  d: {{ .Values.a.d | default "gone" | quote }}
	  kindOfB: {{ kindOf .Values.a.b | quote }}
	  num: {{ .Values.big | quote }}
	  s: {{ .Values.s | quote }}
	  kindOfS: {{ kindOf .Values.s | quote }}
	  yaml: {{ toYaml .Values.a | quote }}
	  list: {{ toJson .Values.list | quote }}
	  app: {{ .Chart.AppVersion | quote }}
	  inst: {{ .Release.IsInstall | quote }}
	  missing: "{{ .Values.nope }}"
	  template: {{ .Template.Name | quote }}
	EOF
	cat >"$c/templates/multi.yaml" <<-'EOF'
	kind: Deployment
	metadata: {name: d}
	---
	---
	kind: Job
	metadata:
	  name: j
	  annotations: {helm.sh/hook: pre-install, helm.sh/hook-weight: "5"}
	---
	kind: Service
	metadata: {name: s}
	---
	kind: ConfigMap
	metadata:
	  name: h
	  annotations: {helm.sh/hook: pre-install, helm.sh/hook-weight: "-5"}
	EOF
	printf 'a: {d: null}\n' >"$WORK/tvalues.yaml"
	"$RENDER" -f "$WORK/tvalues.yaml" --set s=007 --set list='{u,v}' -n ns r "$c" >"$f"
	expect "$f" "objs.map(o => o.kind + '/' + o.metadata.name).join(' ')" \
	    "ConfigMap/r-t Service/s Deployment/d ConfigMap/h Job/j"
	expect "$f" "JSON.stringify(one('ConfigMap','r-t').data)" \
	    '{"inc":"p=keep","tpl":"keep-Helm","d":"gone","kindOfB":"float64","num":"1e+06","s":"007","kindOfS":"string","yaml":"b: 1\nc: keep","list":"[\"u\",\"v\"]","app":"1.2","inst":"true","missing":"","template":"t/templates/t.yaml"}'
	expect "$f" "one('ConfigMap','r-t').metadata.namespace" "ns"
	run_checks "$f"
	"$RENDER" --set s=42 r "$c" >"$f"
	expect "$f" "one('ConfigMap','r-t').data.kindOfS + ' ' + one('ConfigMap','r-t').data.d" "int64 drop"
	run_checks "$f"
	grep -q '_p.tpl\|NOTES' "$f" && fail "partials or NOTES.txt rendered" || pass "no partial, no NOTES.txt"
	[[ $("$RENDER" --notes r "$c") == "notes of r" ]] && pass "--notes prints NOTES.txt" ||
	    fail "--notes: $("$RENDER" --notes r "$c")"
	if "$RENDER" --set needX=true r "$c" >/dev/null 2>"$WORK/t.err"; then
		fail "required did not fail"
	else
		grep -qx 'Error: execution error at (t/templates/t.yaml:1:26): need x' "$WORK/t.err" &&
		    pass "required fails as Helm words it" || fail "required: $(cat "$WORK/t.err")"
	fi
	if "$RENDER" --kube-version v1.24.0 r "$c" >/dev/null 2>"$WORK/t.err"; then
		fail "kubeVersion constraint not checked"
	else
		grep -q 'incompatible with Kubernetes v1.24.0' "$WORK/t.err" &&
		    pass "the chart's kubeVersion is checked" || fail "kubeVersion: $(cat "$WORK/t.err")"
	fi
}

main() {
	local t0=$SECONDS f
	ensure_tools
	say "building the renderer"
	build_renderer

	say "yamllint Chart.yaml values.yaml"
	if yamllint -s -d '{extends: default, rules: {document-start: disable, line-length: {max: 90}}}' \
	    "$CHART/Chart.yaml" "$CHART/values.yaml"; then
		pass "yamllint"
	else
		fail "yamllint"
	fi

	say "default values (embedded mode)"
	f=$WORK/default.yaml
	render "$f"
	validate "$f"
	check_pod_basics "$f"
	expect "$f" "one('Deployment').spec.replicas" "1"
	expect "$f" "one('Deployment').spec.strategy.type" "Recreate"
	expect "$f" "pod(one('Deployment')).initContainers.map(c => c.name + ':' + c.args.join(' ')).join(',')" \
	    "setup:setup"
	expect "$f" "[...pod(one('Deployment')).initContainers, ...pod(one('Deployment')).containers].map(c => c.image).join(' ')" \
	    "pxtc:0.1.0 pxtc:0.1.0 pxtc:0.1.0"
	expect "$f" "ctr(one('Deployment'),'setup').volumeMounts.find(m => m.name==='home').mountPath" \
	    "/data/pixeltable"
	expect "$f" "one('PersistentVolumeClaim').spec.accessModes.join(',')" "ReadWriteOnce"
	expect "$f" "one('PersistentVolumeClaim').spec.resources.requests.storage" "20Gi"
	expect "$f" "ann(one('PersistentVolumeClaim'),'helm.sh/resource-policy')" "keep"
	expect "$f" "pod(one('Deployment')).volumes.find(v => v.name==='home').persistentVolumeClaim.claimName" \
	    "$(q "$f" "one('PersistentVolumeClaim').metadata.name")"
	expect "$f" "pod(one('Deployment')).securityContext.fsGroupChangePolicy" "OnRootMismatch"
	expect "$f" "[all('Job').length, all('HorizontalPodAutoscaler').length, all('PodDisruptionBudget').length, all('Secret').length].join(' ')" \
	    "0 0 0 0"
	expect "$f" "ctr(one('Deployment'),'workers').volumeMounts.find(m => m.mountPath==='/data/pixeltable/config.toml').subPath" \
	    "config.toml"
	expect "$f" "/request_timeout_s/.test(one('ConfigMap').data['config.toml'])" "true"
	expect "$f" "env(ctr(one('Deployment'),'workers'),'PIXELTABLE_DB_CONNECT_STR') === undefined" "true"
	expect "$f" "one('Service').spec.type" "ClusterIP"
	run_checks "$f"
	if grep -q '_helpers.tpl\|NOTES.txt' "$f"; then
		fail "partials or NOTES.txt in the manifests"
	else
		pass "no partial and no NOTES.txt among the manifests"
	fi
	"$RENDER" --notes pxtc "$CHART" >"$WORK/notes.txt"
	if grep -q 'kubectl port-forward -n default svc/pxtc 8080:80' "$WORK/notes.txt" &&
	    grep -q 'mode embedded' "$WORK/notes.txt"; then
		pass "NOTES.txt: port-forward for a ClusterIP Service"
	else
		fail "NOTES.txt: $(cat "$WORK/notes.txt")"
	fi

	say "values-embedded.yaml"
	f=$WORK/embedded.yaml
	render "$f" -f "$TESTS/values-embedded.yaml" --namespace pxtc-test
	validate "$f"
	check_pod_basics "$f"
	expect "$f" "one('Deployment').spec.replicas + ' ' + one('Deployment').spec.strategy.type" "1 Recreate"
	expect "$f" "ctr(one('Deployment'),'workers').image" "pxtc-test:0.1.0-test"
	expect "$f" "one('PersistentVolumeClaim').spec.storageClassName + ' ' + one('PersistentVolumeClaim').spec.resources.requests.storage" \
	    "fast-ssd 5Gi"
	expect "$f" "[all('Job').length, all('HorizontalPodAutoscaler').length, all('PodDisruptionBudget').length].join(' ')" "0 0 0"
	expect "$f" "Object.keys(one('Secret').data).sort().join(',')" \
	    "PIXELTABLE_API_KEY,SERVER_MEDIA_URL_SECRET"
	[[ $(secret_value "$f" pxtc PIXELTABLE_API_KEY) == "test-key-1,test-key-2" ]] &&
	    pass "the Secret holds the API keys" || fail "the Secret's PIXELTABLE_API_KEY"
	for c in setup workers nginx; do
		expect "$f" "JSON.stringify(ctr(one('Deployment'),'$c').envFrom)" '[{"secretRef":{"name":"pxtc"}}]'
		expect "$f" "env(ctr(one('Deployment'),'$c'),'PIXELTABLE_API_KEY') === undefined" "true"
		expect "$f" "env(ctr(one('Deployment'),'$c'),'SERVER_SERVICE_FILE').value" "/etc/pxtc/service.toml"
		expect "$f" "env(ctr(one('Deployment'),'$c'),'PIXELTABLE_CORS_ORIGINS').value" \
		    "https://app.test.example"
		expect "$f" "ctr(one('Deployment'),'$c').volumeMounts.find(m => m.mountPath==='/etc/pxtc').name" "config"
	done
	expect "$f" "Object.keys(one('ConfigMap').data).sort().join(',')" "config.toml,service.toml"
	expect "$f" "/api\\/ping/.test(one('ConfigMap').data['service.toml'])" "true"
	expect "$f" "one('ConfigMap').data['service.toml'].endsWith('\"GET\"\\n')" "true"
	expect "$f" "one('Service').spec.type + ' ' + one('Service').spec.ports[0].port" "LoadBalancer 8080"
	expect "$f" "one('Ingress').spec.rules[0].host + ' ' + one('Ingress').spec.ingressClassName" \
	    "pxtc.test.example nginx"
	expect "$f" "one('Deployment').metadata.namespace === undefined" "true"
	run_checks "$f"
	"$RENDER" --notes -f "$TESTS/values-embedded.yaml" pxtc "$CHART" >"$WORK/notes.txt"
	grep -q 'https://pxtc.test.example/  (Ingress)' "$WORK/notes.txt" &&
	    pass "NOTES.txt: the Ingress address" || fail "NOTES.txt: $(cat "$WORK/notes.txt")"

	say "values-external.yaml"
	f=$WORK/external.yaml
	render "$f" -f "$TESTS/values-external.yaml"
	validate "$f"
	check_pod_basics "$f"
	local job='one("Job")'
	expect "$f" "pod(one('Deployment')).initContainers === undefined" "true"
	expect "$f" "one('Deployment').spec.strategy.type" "RollingUpdate"
	expect "$f" "one('Deployment').spec.replicas === undefined" "true"
	expect "$f" "[...pod(one('Deployment')).containers, ...pod($job).containers].map(c => c.image).join(' ')" \
	    "pxtc-slim-test:0.1.0-test pxtc-slim-test:0.1.0-test pxtc-slim-test:0.1.0-test"
	expect "$f" "ctr($job,'setup').args.join(' ')" "setup"
	expect "$f" "ann($job,'helm.sh/hook')" "pre-install,pre-upgrade"
	expect "$f" "ann($job,'helm.sh/hook-weight')" "0"
	expect "$f" "ann($job,'helm.sh/hook-delete-policy')" "before-hook-creation"
	expect "$f" "pod($job).restartPolicy" "Never"
	expect "$f" "JSON.stringify(ctr($job,'setup').envFrom)" '[{"secretRef":{"name":"pxtc-setup"}}]'
	expect "$f" "pod($job).volumes.find(v => v.name==='config').configMap.name" "pxtc-setup"
	expect "$f" "pod($job).serviceAccountName === undefined" "true"
	for kind in Secret ConfigMap; do
		expect "$f" "ann(one('$kind','pxtc-setup'),'helm.sh/hook')" "pre-install,pre-upgrade"
		expect "$f" "Number(ann(one('$kind','pxtc-setup'),'helm.sh/hook-weight')) < Number(ann($job,'helm.sh/hook-weight'))" \
		    "true"
		expect "$f" "ann(one('$kind','pxtc'),'helm.sh/hook') === undefined" "true"
		expect "$f" "objs.findIndex(o => o.kind==='$kind' && o.metadata.name==='pxtc-setup') < objs.findIndex(o => o.kind==='Job')" \
		    "true"
	done
	[[ $(secret_value "$f" pxtc PIXELTABLE_DB_CONNECT_STR) == \
	    "postgresql://pxtc:s3cr3t@db.test.example:5432/pxtc?sslmode=require" ]] &&
	    pass "the Secret holds the database URL" || fail "the Secret's PIXELTABLE_DB_CONNECT_STR"
	[[ $(secret_value "$f" pxtc-setup PIXELTABLE_DB_CONNECT_STR) == \
	    "$(secret_value "$f" pxtc PIXELTABLE_DB_CONNECT_STR)" ]] &&
	    pass "the setup hook's Secret holds the same URL" || fail "the hook Secret's URL"
	[[ $(secret_value "$f" pxtc SERVER_MEDIA_URL_SECRET) == "external-media-secret" ]] &&
	    pass "the Secret holds the media URL secret" || fail "SERVER_MEDIA_URL_SECRET"
	expect "$f" "Object.keys(one('Secret','pxtc').data).sort().join(',')" \
	    "OPENAI_API_KEY,PIXELTABLE_DB_CONNECT_STR,S3_ACCESS_KEY_ID,S3_SECRET_ACCESS_KEY,SERVER_MEDIA_URL_SECRET"
	for c in workers nginx; do
		expect "$f" "['PIXELTABLE_DB_CONNECT_STR','S3_SECRET_ACCESS_KEY','SERVER_MEDIA_URL_SECRET','OPENAI_API_KEY'].filter(n => env(ctr(one('Deployment'),'$c'), n)).length" \
		    "0"
		expect "$f" "env(ctr(one('Deployment'),'$c'),'PIXELTABLE_INPUT_MEDIA_DEST').value + ' ' + env(ctr(one('Deployment'),'$c'),'PIXELTABLE_OUTPUT_MEDIA_DEST').value" \
		    "s3://pxtc-media/input s3://pxtc-media/output"
		expect "$f" "env(ctr(one('Deployment'),'$c'),'S3_REGION').value" "eu-west-1"
	done
	expect "$f" "pod(one('Deployment')).volumes.find(v => v.name==='home').emptyDir.sizeLimit" "10Gi"
	expect "$f" "all('PersistentVolumeClaim').length" "0"
	local hpa='one("HorizontalPodAutoscaler")'
	expect "$f" "$hpa.apiVersion + ' ' + $hpa.spec.scaleTargetRef.kind + '/' + $hpa.spec.scaleTargetRef.name" \
	    "autoscaling/v2 Deployment/pxtc"
	expect "$f" "[$hpa.spec.minReplicas, $hpa.spec.maxReplicas, $hpa.spec.metrics[0].resource.name, $hpa.spec.metrics[0].resource.target.averageUtilization].join(' ')" \
	    "3 12 cpu 60"
	expect "$f" "one('PodDisruptionBudget').apiVersion + ' ' + one('PodDisruptionBudget').spec.minAvailable" \
	    "policy/v1 1"
	expect "$f" "one('PodDisruptionBudget').spec.selector.matchLabels['app.kubernetes.io/component']" "server"
	run_checks "$f"
	"$RENDER" --notes -f "$TESTS/values-external.yaml" pxtc "$CHART" >"$WORK/notes.txt"
	grep -q 'job/pxtc-setup' "$WORK/notes.txt" && grep -q '3 to 12 pods' "$WORK/notes.txt" &&
	    pass "NOTES.txt: the setup Job and the HPA range" || fail "NOTES.txt: $(cat "$WORK/notes.txt")"
	# an upgrade renders the same hooks (the schema program runs before new workers)
	render "$WORK/upgrade.yaml" -f "$TESTS/values-external.yaml" --is-upgrade
	if cmp -s "$f" "$WORK/upgrade.yaml"; then
		pass "an upgrade renders the same objects and hooks"
	else
		fail "the upgrade's rendering differs"
	fi

	say "values-external-existing.yaml"
	f=$WORK/existing.yaml
	render "$f" -f "$TESTS/values-external-existing.yaml"
	validate "$f"
	check_pod_basics "$f"
	for c in workers nginx; do
		expect "$f" "JSON.stringify(env(ctr(one('Deployment'),'$c'),'PIXELTABLE_DB_CONNECT_STR').valueFrom)" \
		    '{"secretKeyRef":{"name":"pxtc-db","key":"uri"}}'
		expect "$f" "JSON.stringify(ctr(one('Deployment'),'$c').envFrom)" \
		    '[{"secretRef":{"name":"pxtc-secrets"}}]'
	done
	expect "$f" "JSON.stringify(env(ctr(one('Job'),'setup'),'PIXELTABLE_DB_CONNECT_STR').valueFrom)" \
	    '{"secretKeyRef":{"name":"pxtc-db","key":"uri"}}'
	expect "$f" "JSON.stringify(ctr(one('Job'),'setup').envFrom)" '[{"secretRef":{"name":"pxtc-secrets"}}]'
	expect "$f" "all('Secret').length" "0"
	expect "$f" "one('Deployment').spec.replicas" "3"
	expect "$f" "all('HorizontalPodAutoscaler').length + ' ' + all('PodDisruptionBudget').length" "0 1"
	expect "$f" "all('ServiceAccount').length + ' ' + pod(one('Deployment')).serviceAccountName + ' ' + pod(one('Job')).serviceAccountName" \
	    "0 pxtc-runner pxtc-runner"
	expect "$f" "env(ctr(one('Deployment'),'workers'),'GCS_ENDPOINT').value" "https://storage.test.example"
	run_checks "$f"

	say "--set, and the checksum that rolls the pods"
	f=$WORK/set.yaml
	render "$f" --set mode=external,postgres.url=postgresql://u@h/d,media.allowLocal=true \
	    --set autoscaling.enabled=false,replicaCount=1,media.urlSecret=s,hostNetwork=true \
	    --set-string server.workers=007
	validate "$f"
	expect "$f" "one('Deployment').spec.replicas" "1"
	expect "$f" "pod(one('Deployment')).hostNetwork + ' ' + pod(one('Deployment')).dnsPolicy" \
	    "true ClusterFirstWithHostNet"
	expect "$f" "env(ctr(one('Deployment'),'workers'),'SERVER_WORKERS').value" "007"
	run_checks "$f"
	render "$WORK/set2.yaml" --set mode=external,postgres.url=postgresql://u@h/d,media.allowLocal=true \
	    --set autoscaling.enabled=false,replicaCount=1,media.urlSecret=s,hostNetwork=true \
	    --set-string server.workers=007 --set config='[server]
workers = 3'
	local sum1 sum2 sec1 sec2
	sum1=$(q "$f" "one('Deployment').spec.template.metadata.annotations['checksum/config']")
	sum2=$(q "$WORK/set2.yaml" "one('Deployment').spec.template.metadata.annotations['checksum/config']")
	sec1=$(q "$f" "one('Deployment').spec.template.metadata.annotations['checksum/secret']")
	sec2=$(q "$WORK/set2.yaml" "one('Deployment').spec.template.metadata.annotations['checksum/secret']")
	[[ $sum1 =~ ^[0-9a-f]{64}$ && $sum1 != "$sum2" && $sec1 == "$sec2" ]] &&
	    pass "a changed config.toml changes checksum/config only" ||
	    fail "checksums: config $sum1 -> $sum2, secret $sec1 -> $sec2"

	say "values that cannot work are refused"
	refuse external-without-db "mode external needs its database: set postgres.url" \
	    --set mode=external,media.urlSecret=s,media.inputDest=s3://b/i,media.outputDest=s3://b/o
	refuse external-without-media-secret "mode external needs media.urlSecret" \
	    --set mode=external,postgres.url=postgresql://u@h/d,media.inputDest=s3://b/i,media.outputDest=s3://b/o
	refuse external-local-media "mode external needs media.inputDest in an object store" \
	    --set mode=external,postgres.url=postgresql://u@h/d,media.urlSecret=s
	refuse external-local-media-replicas "media.allowLocal keeps media in one pod" \
	    --set mode=external,postgres.url=postgresql://u@h/d,media.urlSecret=s,media.allowLocal=true
	refuse external-url-and-secret "set postgres.url or postgres.existingSecret, not both" \
	    -f "$TESTS/values-external.yaml" --set postgres.existingSecret=x
	refuse embedded-with-db "mode embedded runs PostgreSQL inside the pod" \
	    --set postgres.url=postgresql://u@h/d
	refuse bad-mode 'mode must be embedded or external, not "cluster"' --set mode=cluster

	say "the renderer keeps Helm's semantics"
	check_renderer

	say "the validator refuses what Kubernetes refuses"
	local bad=$WORK/bad.yaml
	sed 's/readinessProbe:/readinessProbes:/' "$WORK/default.yaml" >"$bad"
	! node "$TESTS/k8s-validate.mjs" "$bad" >"$WORK/bad.log" 2>&1 &&
	    grep -q 'unknown field .*readinessProbes' "$WORK/bad.log" &&
	    pass "an unknown field is refused" || fail "an unknown field passed: $(cat "$WORK/bad.log")"
	sed 's/^  revisionHistoryLimit: 5$/  revisionHistoryLimit: "5"/' "$WORK/default.yaml" >"$bad"
	! node "$TESTS/k8s-validate.mjs" "$bad" >"$WORK/bad.log" 2>&1 &&
	    grep -q 'revisionHistoryLimit must be integer' "$WORK/bad.log" &&
	    pass "a string for an integer is refused" || fail "a mistyped field passed"
	printf -- '---\napiVersion: autoscaling/v1\nkind: HorizontalPodAutoscaler\nmetadata: {name: x}\nspec: {scaleTargetRef: {kind: Deployment, name: x}, maxReplicas: 2}\n---\napiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: y}\n' >"$bad"
	! node "$TESTS/k8s-validate.mjs" "$bad" >"$WORK/bad.log" 2>&1 &&
	    grep -q 'must be apiVersion autoscaling/v2' "$WORK/bad.log" &&
	    grep -q 'kind "StatefulSet" is not one' "$WORK/bad.log" &&
	    pass "an old API version and an unknown kind are refused" || fail "$(cat "$WORK/bad.log")"
	sed 's/mountPath: \/tmp$/mountPath: \/data\/pixeltable/' "$WORK/default.yaml" >"$bad"
	! node "$TESTS/k8s-validate.mjs" "$bad" >"$WORK/bad.log" 2>&1 &&
	    grep -q 'two mounts at /data/pixeltable' "$WORK/bad.log" &&
	    pass "two mounts at one path are refused" || fail "$(cat "$WORK/bad.log")"

	say "$PASSED passed, $FAILED failed ($((SECONDS - t0)) s)"
	printf '%d passed, %d failed\n' "$PASSED" "$FAILED"
	((FAILED == 0))
}

main "$@"
