{{/*
Helpers of the pxtc chart. Every pxtc container (setup, workers, nginx) runs the same
image with a role argument and the same environment, volumes and security context.
*/}}

{{/* pxtc.name - the chart's name, or nameOverride */}}
{{- define "pxtc.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* pxtc.fullname - the prefix of every resource name */}}
{{- define "pxtc.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* pxtc.setupName - the name of the setup Job and of its hook Secret and ConfigMap */}}
{{- define "pxtc.setupName" -}}
{{- printf "%s-setup" (include "pxtc.fullname" . | trunc 57 | trimSuffix "-") }}
{{- end }}

{{/* pxtc.chart - chart name and version, for the helm.sh/chart label */}}
{{- define "pxtc.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* pxtc.selectorLabels - the labels selecting this release's pods */}}
{{- define "pxtc.selectorLabels" -}}
app.kubernetes.io/name: {{ include "pxtc.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* pxtc.labels - the labels of every resource */}}
{{- define "pxtc.labels" -}}
helm.sh/chart: {{ include "pxtc.chart" . }}
{{ include "pxtc.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* pxtc.mode - "embedded" or "external"; fails on anything else */}}
{{- define "pxtc.mode" -}}
{{- $mode := toString .Values.mode }}
{{- if not (has $mode (list "embedded" "external")) }}
{{- fail (printf "mode must be embedded or external, not %q" $mode) }}
{{- end }}
{{- $mode }}
{{- end }}

{{/* pxtc.image - the full image in embedded mode, the slim one in external mode */}}
{{- define "pxtc.image" -}}
{{- $img := .Values.image.slim }}
{{- if eq (include "pxtc.mode" .) "embedded" }}
{{- $img = .Values.image.full }}
{{- end }}
{{- printf "%s:%s" $img.repository (default .Chart.AppVersion (toString (default "" $img.tag))) }}
{{- end }}

{{/* pxtc.serviceAccountName - the pods' ServiceAccount */}}
{{- define "pxtc.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "pxtc.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
pxtc.validate - stop the rendering on values that cannot work, with a message saying
what to set
*/}}
{{- define "pxtc.validate" -}}
{{- $v := .Values }}
{{- if eq (include "pxtc.mode" .) "external" }}
{{- if and $v.postgres.url $v.postgres.existingSecret }}
{{- fail "set postgres.url or postgres.existingSecret, not both" }}
{{- end }}
{{- if not $v.postgres.existingSecret }}
{{- $_ := required "mode external needs its database: set postgres.url (a libpq URI such as postgresql://user:password@host:5432/pxtc) or postgres.existingSecret (a Secret holding it, key postgres.existingSecretKey)" $v.postgres.url }}
{{- end }}
{{- if not $v.secrets.existingSecret }}
{{- $_ := required "mode external needs media.urlSecret, the secret every pod signs /media URLs with (e.g. --set media.urlSecret=$(openssl rand -hex 32)), or secrets.existingSecret holding SERVER_MEDIA_URL_SECRET" $v.media.urlSecret }}
{{- end }}
{{- if $v.media.allowLocal }}
{{- if or $v.autoscaling.enabled (gt (int $v.replicaCount) 1) }}
{{- fail "media.allowLocal keeps media in one pod: it needs replicaCount=1 and autoscaling.enabled=false" }}
{{- end }}
{{- else }}
{{- range $key := list "inputDest" "outputDest" }}
{{- $dest := toString (default "" (index $v.media $key)) }}
{{- if not (regexMatch "^(s3|gs|az)://[^/]+" $dest) }}
{{- fail (printf "mode external needs media.%s in an object store (s3://bucket/prefix, gs://... or az://...), so that every pod reads what another stored; it is %q (media.allowLocal=true accepts local media with one replica)" $key $dest) }}
{{- end }}
{{- end }}
{{- end }}
{{- else }}
{{- if or $v.postgres.url $v.postgres.existingSecret }}
{{- fail "mode embedded runs PostgreSQL inside the pod: postgres.url and postgres.existingSecret belong to mode external" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
pxtc.secretEnv - the secret variables that have a value, as a JSON object (NAME:
value; JSON keeps every string exactly, where a YAML round trip would drop a last
newline); the chart's Secret holds them
*/}}
{{- define "pxtc.secretEnv" -}}
{{- $v := .Values }}
{{- $s := dict }}
{{- if and (eq (include "pxtc.mode" .) "external") $v.postgres.url }}
{{- $_ := set $s "PIXELTABLE_DB_CONNECT_STR" (toString $v.postgres.url) }}
{{- end }}
{{- $pairs := list
  (list "SERVER_MEDIA_URL_SECRET" $v.media.urlSecret)
  (list "PIXELTABLE_API_KEY" $v.secrets.apiKey)
  (list "S3_ACCESS_KEY_ID" $v.media.s3.accessKeyId)
  (list "S3_SECRET_ACCESS_KEY" $v.media.s3.secretAccessKey)
  (list "S3_SESSION_TOKEN" $v.media.s3.sessionToken)
  (list "GCS_ACCESS_KEY_ID" $v.media.gcs.accessKeyId)
  (list "GCS_SECRET" $v.media.gcs.secret)
  (list "AZURE_ACCOUNT_KEY" $v.media.azure.accountKey)
  (list "AZURE_SAS_TOKEN" $v.media.azure.sasToken)
  (list "OPENAI_API_KEY" $v.openai.apiKey) }}
{{- range $p := $pairs }}
{{- if index $p 1 }}
{{- $_ := set $s (index $p 0) (toString (index $p 1)) }}
{{- end }}
{{- end }}
{{- toJson $s }}
{{- end }}

{{/* pxtc.configData - the ConfigMap's files (config.toml, service.toml), as JSON */}}
{{- define "pxtc.configData" -}}
{{- $d := dict }}
{{- if .Values.config }}
{{- $_ := set $d "config.toml" (toString .Values.config) }}
{{- end }}
{{- if .Values.serviceFile }}
{{- $_ := set $d "service.toml" (toString .Values.serviceFile) }}
{{- end }}
{{- toJson $d }}
{{- end }}

{{/*
pxtc.env - the environment of every pxtc container (a YAML list): plain settings,
the database URL from an existing Secret when given, then the user's
*/}}
{{- define "pxtc.env" -}}
{{- $v := .Values }}
- name: PIXELTABLE_HOME
  value: /data/pixeltable
- name: SERVER_HOST
  value: {{ $v.server.host | toString | quote }}
- name: SERVER_PORT
  value: {{ $v.server.port | toString | quote }}
{{- with $v.server.workers }}
- name: SERVER_WORKERS
  value: {{ . | toString | quote }}
{{- end }}
- name: PIXELTABLE_LOG_LEVEL
  value: {{ $v.logLevel | toString | quote }}
- name: PXTC_FCGI_LISTEN
  value: /data/pixeltable/run/pxtc.sock
- name: PXTC_FCGI_UPSTREAM
  value: unix:/data/pixeltable/run/pxtc.sock
- name: PXTC_WAIT_TIMEOUT_S
  value: {{ $v.setup.waitTimeoutSeconds | toString | quote }}
{{- if $v.serviceFile }}
- name: SERVER_SERVICE_FILE
  value: /etc/pxtc/service.toml
{{- end }}
{{- $plain := list
  (list "PIXELTABLE_INPUT_MEDIA_DEST" $v.media.inputDest)
  (list "PIXELTABLE_OUTPUT_MEDIA_DEST" $v.media.outputDest)
  (list "S3_ENDPOINT" $v.media.s3.endpoint)
  (list "S3_REGION" $v.media.s3.region)
  (list "GCS_ENDPOINT" $v.media.gcs.endpoint)
  (list "AZURE_ACCOUNT_NAME" $v.media.azure.accountName)
  (list "AZURE_ENDPOINT" $v.media.azure.endpoint)
  (list "OPENAI_BASE_URL" $v.openai.baseUrl)
  (list "OPENAI_EMBEDDING_MODEL" $v.openai.embeddingModel)
  (list "OPENAI_CHAT_MODEL" $v.openai.chatModel) }}
{{- range $p := $plain }}
{{- if index $p 1 }}
- name: {{ index $p 0 }}
  value: {{ index $p 1 | toString | quote }}
{{- end }}
{{- end }}
{{- if and (eq (include "pxtc.mode" .) "external") $v.postgres.existingSecret }}
- name: PIXELTABLE_DB_CONNECT_STR
  valueFrom:
    secretKeyRef:
      name: {{ $v.postgres.existingSecret }}
      key: {{ $v.postgres.existingSecretKey }}
{{- end }}
{{- range $name, $value := $v.env }}
- name: {{ $name }}
  value: {{ $value | toString | quote }}
{{- end }}
{{- with $v.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
pxtc.envFrom - dict root, secret (the Secret to read: the chart's, or the setup
hook's copy): the envFrom list, or nothing
*/}}
{{- define "pxtc.envFrom" -}}
{{- $v := .root.Values }}
{{- if include "pxtc.secretEnv" .root | fromJson }}
- secretRef:
    name: {{ .secret }}
{{- end }}
{{- with $v.secrets.existingSecret }}
- secretRef:
    name: {{ . }}
{{- end }}
{{- with $v.extraEnvFrom }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* pxtc.volumeMounts - the mounts of every pxtc container */}}
{{- define "pxtc.volumeMounts" -}}
- name: home
  mountPath: /data/pixeltable
- name: run
  mountPath: /data/pixeltable/run
- name: tmp
  mountPath: /tmp
{{- if .Values.config }}
- name: config
  mountPath: /data/pixeltable/config.toml
  subPath: config.toml
  readOnly: true
{{- end }}
{{- if .Values.serviceFile }}
- name: config
  mountPath: /etc/pxtc
  readOnly: true
{{- end }}
{{- end }}

{{/*
pxtc.volumes - dict root, home (a volume source for $PIXELTABLE_HOME), configMap
(its name): the pod's volumes
*/}}
{{- define "pxtc.volumes" -}}
- name: home
  {{- toYaml .home | nindent 2 }}
- name: run
  emptyDir:
    medium: Memory
    sizeLimit: 64Mi
- name: tmp
  emptyDir: {}
{{- if include "pxtc.configData" .root | fromJson }}
- name: config
  configMap:
    name: {{ .configMap }}
{{- end }}
{{- end }}

{{/*
pxtc.livenessExec - ROLE: the probe command that never touches the database (the
role's processes run)
*/}}
{{- define "pxtc.livenessExec" -}}
exec:
  command:
    - pxtc
    - serve
    - live
    - {{ . }}
{{- end }}

{{/* pxtc.podSpecCommon - pod-level settings shared by the Deployment and the Job */}}
{{- define "pxtc.podSpecCommon" -}}
automountServiceAccountToken: false
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- range . }}
  - name: {{ . }}
  {{- end }}
{{- end }}
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- if .Values.hostNetwork }}
hostNetwork: true
dnsPolicy: ClusterFirstWithHostNet
{{- end }}
{{- with .Values.priorityClassName }}
priorityClassName: {{ . }}
{{- end }}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}
