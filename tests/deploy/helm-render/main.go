// helm-render - render a Helm 3 chart the way `helm template` does, for the tests of
// deploy/helm/pxtc on machines without helm. Built from Debian's Go, sprig and yaml
// packages only, offline: `bash tests/deploy/helm-render/build.sh OUT` (GOPATH mode).
//
//	helm-render [flags] RELEASE-NAME CHART-DIR
//	  -f, --values FILE      merge a values file over the chart's values.yaml (repeatable,
//	                         later files win)
//	  --set K=V[,K=V]        set values on top (repeatable): Helm's strvals syntax for
//	                         dotted keys (a.b=c, a\.b=c), list indexes (a[0]=x), lists
//	                         ({x,y}), and its typing (true/false, null, integers; the rest
//	                         strings); --set-string keeps every value a string
//	  -n, --namespace NS     .Release.Namespace (default "default")
//	  --is-upgrade           .Release.IsUpgrade true, .Release.IsInstall false, Revision 2
//	  --kube-version V       .Capabilities.KubeVersion (default v1.29.0)
//	  --api-versions V       add to .Capabilities.APIVersions (repeatable)
//	  --notes                print the rendered NOTES.txt instead of the manifests
//
// Helm 3 semantics covered, as in helm's pkg/engine, pkg/chartutil and pkg/releaseutil:
//   - Chart.yaml read into .Chart with Helm's capitalized fields (.Chart.Name, .Version,
//     .AppVersion, .Description, .Type, .Annotations, ...) and checked as Helm does
//     (apiVersion v1 or v2, name, a SemVer version, type application or library, the
//     kubeVersion constraint against --kube-version).
//   - Values: YAML read through JSON as Helm reads it (numbers of values files are
//     float64, so 1000000 prints as 1e+06 just as in Helm; --set integers are int64);
//     coalesced deeply (maps merge, a null deletes the chart's key); .Values,
//     .Release (Name, Namespace, Service "Helm", IsInstall, IsUpgrade, Revision),
//     .Chart, .Capabilities (KubeVersion, APIVersions.Has, HelmVersion), .Template
//     (Name, BasePath), .Files (Get, GetBytes) of the chart's non-template files.
//   - Templates: every file under templates/ parsed into one set named CHART/templates/...
//     (deepest paths first, as Helm orders them, so a later define wins as in Helm);
//     files whose name starts with `_` are partials, never rendered; missingkey=zero and
//     "<no value>" replaced by "" (Helm's non-strict mode).
//   - Functions: sprig's text functions less env and expandenv, plus Helm's include
//     (with its recursion limit), tpl, required, toYaml (JSON then yaml.v2, keys sorted,
//     trailing newline trimmed, like sigs.k8s.io/yaml), fromYaml, fromYamlArray, toJson,
//     fromJson, fromJsonArray, and lookup (always an empty map, as in `helm template`).
//     toToml is not provided: a chart that calls it fails here.
//   - Output: each rendered .yaml/.yml file split into documents on `---` lines, empty
//     ones dropped, each parsed as YAML (an error names the file, as Helm's does), then
//     printed as `---\n# Source: CHART/templates/FILE\n...`: ordinary manifests first in
//     Helm's install order of kinds (then by source file and name), hooks (annotation
//     helm.sh/hook) after them by weight, as `helm template` prints them.
//   - Errors read like Helm's: "execution error at (CHART/templates/F:L:C): MESSAGE" for
//     `required` and `fail`, exit status 1.
//
// Not covered, and not used by the chart: subcharts and dependencies, values.schema.json,
// .helmignore, library charts, global values, --set-file and --set-json, toToml, lint
// mode. The chart keeps to the semantics above, so what renders here renders in helm.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"text/template"

	"github.com/Masterminds/semver"
	"github.com/Masterminds/sprig"
	yaml "gopkg.in/yaml.v2"
)

// Metadata is Chart.yaml as Helm's chart.Metadata exposes it to templates (.Chart.X).
type Metadata struct {
	Name         string            `json:"name,omitempty"`
	Home         string            `json:"home,omitempty"`
	Sources      []string          `json:"sources,omitempty"`
	Version      string            `json:"version,omitempty"`
	Description  string            `json:"description,omitempty"`
	Keywords     []string          `json:"keywords,omitempty"`
	Maintainers  []*Maintainer     `json:"maintainers,omitempty"`
	Icon         string            `json:"icon,omitempty"`
	APIVersion   string            `json:"apiVersion,omitempty"`
	Condition    string            `json:"condition,omitempty"`
	Tags         string            `json:"tags,omitempty"`
	AppVersion   string            `json:"appVersion,omitempty"`
	Deprecated   bool              `json:"deprecated,omitempty"`
	Annotations  map[string]string `json:"annotations,omitempty"`
	KubeVersion  string            `json:"kubeVersion,omitempty"`
	Dependencies []interface{}     `json:"dependencies,omitempty"`
	Type         string            `json:"type,omitempty"`
}

// Maintainer is one entry of Chart.yaml's maintainers.
type Maintainer struct {
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
	URL   string `json:"url,omitempty"`
}

// KubeVersion is .Capabilities.KubeVersion.
type KubeVersion struct {
	Version string
	Major   string
	Minor   string
}

// String is the version, as in Helm.
func (kv *KubeVersion) String() string { return kv.Version }

// GitVersion is the version, as in Helm (deprecated there, kept for charts using it).
func (kv *KubeVersion) GitVersion() string { return kv.Version }

// VersionSet is .Capabilities.APIVersions.
type VersionSet []string

// Has reports whether an API version (or version/Kind) is known.
func (v VersionSet) Has(apiVersion string) bool {
	for _, x := range v {
		if x == apiVersion {
			return true
		}
	}
	return false
}

// HelmVersion is .Capabilities.HelmVersion.
type HelmVersion struct {
	Version   string
	GitCommit string
	GoVersion string
}

// Capabilities is .Capabilities.
type Capabilities struct {
	APIVersions VersionSet
	KubeVersion KubeVersion
	HelmVersion HelmVersion
}

// Files is .Files: the chart's files outside templates/.
type Files map[string][]byte

// Get is a file's content as a string ("" when missing).
func (f Files) Get(name string) string { return string(f[name]) }

// GetBytes is a file's content ([] when missing).
func (f Files) GetBytes(name string) []byte { return f[name] }

// multi is a repeatable string flag.
type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(s string) error { *m = append(*m, s); return nil }

func die(format string, a ...interface{}) {
	fmt.Fprintf(os.Stderr, "Error: "+format+"\n", a...)
	os.Exit(1)
}

// ---------------------------------------------------------------- YAML as Helm reads it

// jsonable turns what yaml.v2 decoded into what encoding/json accepts (string keys).
func jsonable(v interface{}) interface{} {
	switch t := v.(type) {
	case map[interface{}]interface{}:
		m := make(map[string]interface{}, len(t))
		for k, x := range t {
			m[fmt.Sprint(k)] = jsonable(x)
		}
		return m
	case []interface{}:
		for i := range t {
			t[i] = jsonable(t[i])
		}
		return t
	}
	return v
}

// yamlToJSON is sigs.k8s.io/yaml's YAMLToJSON for one document.
func yamlToJSON(data []byte) ([]byte, error) {
	var v interface{}
	if err := yaml.Unmarshal(data, &v); err != nil {
		return nil, err
	}
	return json.Marshal(jsonable(v))
}

// yamlUnmarshal is sigs.k8s.io/yaml's Unmarshal: YAML to JSON, then encoding/json into out.
func yamlUnmarshal(data []byte, out interface{}) error {
	j, err := yamlToJSON(data)
	if err != nil {
		return err
	}
	return json.Unmarshal(j, out)
}

// toYAML is Helm's toYaml: JSON first (so struct tags and key order are JSON's), then
// yaml.v2, with the last newline trimmed.
func toYAML(v interface{}) string {
	j, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	var obj interface{}
	if err := yaml.Unmarshal(j, &obj); err != nil {
		return ""
	}
	out, err := yaml.Marshal(obj)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(string(out), "\n")
}

func fromYAML(s string) map[string]interface{} {
	m := map[string]interface{}{}
	if err := yamlUnmarshal([]byte(s), &m); err != nil {
		m["Error"] = err.Error()
	}
	return m
}

func fromYAMLArray(s string) []interface{} {
	a := []interface{}{}
	if err := yamlUnmarshal([]byte(s), &a); err != nil {
		a = []interface{}{err.Error()}
	}
	return a
}

func toJSON(v interface{}) string {
	j, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(j)
}

func fromJSON(s string) map[string]interface{} {
	m := map[string]interface{}{}
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		m["Error"] = err.Error()
	}
	return m
}

func fromJSONArray(s string) []interface{} {
	a := []interface{}{}
	if err := json.Unmarshal([]byte(s), &a); err != nil {
		a = []interface{}{err.Error()}
	}
	return a
}

// ---------------------------------------------------------------- values

// readValues reads a values file as Helm's chartutil.ReadValues does.
func readValues(file string) (map[string]interface{}, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	vals := map[string]interface{}{}
	if err := yamlUnmarshal(data, &vals); err != nil {
		return nil, fmt.Errorf("%s: %v", file, err)
	}
	if vals == nil {
		vals = map[string]interface{}{}
	}
	return vals, nil
}

// mergeMaps is Helm's mergeMaps for -f files: b over a, maps merged deeply.
func mergeMaps(a, b map[string]interface{}) map[string]interface{} {
	out := make(map[string]interface{}, len(a))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		if vm, ok := v.(map[string]interface{}); ok {
			if om, ok := out[k].(map[string]interface{}); ok {
				out[k] = mergeMaps(om, vm)
				continue
			}
		}
		out[k] = v
	}
	return out
}

// coalesce is Helm's coalesceValues: the user's values over the chart's; maps merge,
// a user's null removes the chart's key.
func coalesce(user, chart map[string]interface{}) map[string]interface{} {
	for k, cv := range chart {
		uv, present := user[k]
		if !present {
			user[k] = cv
			continue
		}
		if uv == nil {
			delete(user, k)
			continue
		}
		um, uok := uv.(map[string]interface{})
		cm, cok := cv.(map[string]interface{})
		if uok && cok {
			user[k] = coalesce(um, cm)
		} else if uok != cok && cv != nil {
			fmt.Fprintf(os.Stderr, "coalesce.go: warning: cannot overwrite table with non table for %s (%v)\n", k, cv)
		}
	}
	return user
}

// typedVal is strvals' typing of a --set value.
func typedVal(s string, asString bool) interface{} {
	if asString {
		return s
	}
	switch {
	case strings.EqualFold(s, "true"):
		return true
	case strings.EqualFold(s, "false"):
		return false
	case strings.EqualFold(s, "null"):
		return nil
	case s == "0":
		return int64(0)
	}
	if s != "" && s[0] != '0' {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n
		}
	}
	return s
}

// splitUnescaped splits s on sep outside braces, honouring backslash escapes (kept).
func splitUnescaped(s string, sep rune) []string {
	var parts []string
	var cur strings.Builder
	depth := 0
	esc := false
	for _, r := range s {
		switch {
		case esc:
			cur.WriteRune('\\')
			cur.WriteRune(r)
			esc = false
		case r == '\\':
			esc = true
		case r == '{':
			depth++
			cur.WriteRune(r)
		case r == '}':
			depth--
			cur.WriteRune(r)
		case r == sep && depth == 0:
			parts = append(parts, cur.String())
			cur.Reset()
		default:
			cur.WriteRune(r)
		}
	}
	if esc {
		cur.WriteRune('\\')
	}
	return append(parts, cur.String())
}

// unescape removes the backslashes of escaped characters.
func unescape(s string) string {
	var b strings.Builder
	esc := false
	for _, r := range s {
		if !esc && r == '\\' {
			esc = true
			continue
		}
		esc = false
		b.WriteRune(r)
	}
	return b.String()
}

var indexRe = regexp.MustCompile(`^(.*?)\[(\d+)\]$`)

// setPath sets one --set assignment into vals.
func setPath(vals map[string]interface{}, key string, val interface{}) error {
	parts := splitUnescaped(key, '.')
	var cur interface{} = vals
	// container setters walk down, creating maps and lists as strvals does
	for i, raw := range parts {
		last := i == len(parts)-1
		name := raw
		var idx []int
		for {
			m := indexRe.FindStringSubmatch(name)
			if m == nil {
				break
			}
			n, _ := strconv.Atoi(m[2])
			idx = append([]int{n}, idx...)
			name = m[1]
		}
		name = unescape(name)
		mp, ok := cur.(map[string]interface{})
		if !ok {
			return fmt.Errorf("key %q: not a map", key)
		}
		if len(idx) == 0 {
			if last {
				mp[name] = val
				return nil
			}
			next, ok := mp[name].(map[string]interface{})
			if !ok {
				next = map[string]interface{}{}
				mp[name] = next
			}
			cur = next
			continue
		}
		list, _ := mp[name].([]interface{})
		for len(list) <= idx[0] {
			list = append(list, nil)
		}
		mp[name] = list
		// nested indexes a[0][1] are rare; support one level
		if len(idx) > 1 {
			return fmt.Errorf("key %q: nested list indexes are not supported", key)
		}
		if last {
			list[idx[0]] = val
			return nil
		}
		next, ok := list[idx[0]].(map[string]interface{})
		if !ok {
			next = map[string]interface{}{}
			list[idx[0]] = next
		}
		cur = next
	}
	return nil
}

// parseSet applies one --set (or --set-string) argument to vals.
func parseSet(vals map[string]interface{}, arg string, asString bool) error {
	for _, assign := range splitUnescaped(arg, ',') {
		if assign == "" {
			continue
		}
		eq := strings.IndexRune(assign, '=')
		for eq > 0 && assign[eq-1] == '\\' {
			n := strings.IndexRune(assign[eq+1:], '=')
			if n < 0 {
				eq = -1
				break
			}
			eq += n + 1
		}
		if eq < 0 {
			return fmt.Errorf("key %q has no value", assign)
		}
		key, raw := assign[:eq], assign[eq+1:]
		var val interface{}
		if len(raw) >= 2 && raw[0] == '{' && raw[len(raw)-1] == '}' {
			list := []interface{}{}
			for _, item := range splitUnescaped(raw[1:len(raw)-1], ',') {
				list = append(list, typedVal(unescape(item), asString))
			}
			val = list
		} else {
			val = typedVal(unescape(raw), asString)
		}
		if err := setPath(vals, key, val); err != nil {
			return err
		}
	}
	return nil
}

// ---------------------------------------------------------------- chart

type chart struct {
	meta      Metadata
	values    map[string]interface{}
	templates map[string]string // CHART/templates/... -> text
	files     Files
}

var semverRe = regexp.MustCompile(`^v?\d+(\.\d+)?(\.\d+)?(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$`)

// loadChart reads a chart directory and checks Chart.yaml as Helm's Validate does.
func loadChart(dir string) (*chart, error) {
	c := &chart{templates: map[string]string{}, files: Files{}}
	raw, err := os.ReadFile(filepath.Join(dir, "Chart.yaml"))
	if err != nil {
		return nil, err
	}
	if err := yamlUnmarshal(raw, &c.meta); err != nil {
		return nil, fmt.Errorf("cannot load Chart.yaml: %v", err)
	}
	m := &c.meta
	switch {
	case m.APIVersion == "":
		return nil, errors.New("validation: chart.metadata.apiVersion is required")
	case m.APIVersion != "v1" && m.APIVersion != "v2":
		return nil, fmt.Errorf("validation: chart.metadata.apiVersion %q is invalid", m.APIVersion)
	case m.Name == "":
		return nil, errors.New("validation: chart.metadata.name is required")
	case m.Version == "":
		return nil, errors.New("validation: chart.metadata.version is required")
	case m.Type != "" && m.Type != "application" && m.Type != "library":
		return nil, errors.New("validation: chart.metadata.type must be application or library")
	}
	if _, err := semver.NewVersion(m.Version); err != nil || !semverRe.MatchString(m.Version) {
		return nil, fmt.Errorf("validation: chart.metadata.version %q is invalid", m.Version)
	}
	if m.Type == "library" {
		return nil, errors.New("library charts are not installable")
	}
	c.values = map[string]interface{}{}
	if _, err := os.Stat(filepath.Join(dir, "values.yaml")); err == nil {
		if c.values, err = readValues(filepath.Join(dir, "values.yaml")); err != nil {
			return nil, err
		}
	}
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		switch {
		case strings.HasPrefix(rel, "templates/"):
			c.templates[m.Name+"/"+rel] = string(data)
		case rel == "Chart.yaml" || rel == "values.yaml" || strings.HasPrefix(rel, "charts/"):
		default:
			c.files[rel] = data
		}
		return nil
	})
	return c, err
}

// sortTemplates is Helm's order of parsing: deepest paths first, then names descending.
func sortTemplates(names []string) {
	sort.Slice(names, func(i, j int) bool {
		a, b := names[i], names[j]
		ca, cb := strings.Count(a, "/"), strings.Count(b, "/")
		if ca == cb {
			return a > b
		}
		return ca > cb
	})
}

// ---------------------------------------------------------------- engine

const recursionMax = 1000

var errCallRe = regexp.MustCompile(`error calling [A-Za-z]+: `)

// cleanupExecError words a template error as Helm does.
func cleanupExecError(name string, err error) error {
	var ee template.ExecError
	if !errors.As(err, &ee) {
		return err
	}
	tokens := strings.SplitN(err.Error(), ": ", 3)
	if len(tokens) != 3 {
		return fmt.Errorf("execution error in (%s): %s", name, err)
	}
	msg := tokens[2]
	if locs := errCallRe.FindAllStringIndex(msg, -1); locs != nil {
		msg = msg[locs[len(locs)-1][1]:]
	}
	return fmt.Errorf("execution error at (%s): %s", tokens[1], msg)
}

// funcMap is Helm's: sprig less env/expandenv, plus Helm's own. include and tpl are
// bound to the template set they run in.
func funcMap(root **template.Template) template.FuncMap {
	f := sprig.TxtFuncMap()
	delete(f, "env")
	delete(f, "expandenv")
	included := map[string]int{}
	f["toYaml"] = toYAML
	f["fromYaml"] = fromYAML
	f["fromYamlArray"] = fromYAMLArray
	f["toJson"] = toJSON
	f["fromJson"] = fromJSON
	f["fromJsonArray"] = fromJSONArray
	f["toToml"] = func(interface{}) (string, error) {
		return "", errors.New("toToml is not provided by helm-render")
	}
	f["lookup"] = func(string, string, string, string) (map[string]interface{}, error) {
		return map[string]interface{}{}, nil
	}
	f["required"] = func(warn string, val interface{}) (interface{}, error) {
		if val == nil {
			return val, errors.New(warn)
		}
		if s, ok := val.(string); ok && s == "" {
			return val, errors.New(warn)
		}
		return val, nil
	}
	f["include"] = func(name string, data interface{}) (string, error) {
		if included[name] > recursionMax {
			return "", fmt.Errorf("rendering template has a nested reference name: %s: unable to execute template", name)
		}
		included[name]++
		defer func() { included[name]-- }()
		var buf strings.Builder
		err := (*root).ExecuteTemplate(&buf, name, data)
		return buf.String(), err
	}
	f["tpl"] = func(text string, vals interface{}) (string, error) {
		clone, err := (*root).Clone()
		if err != nil {
			return "", err
		}
		var inner *template.Template
		sub := funcMap(&inner)
		clone.Funcs(sub)
		inner = clone
		name := "tpl"
		if m, ok := vals.(map[string]interface{}); ok {
			if t, ok := m["Template"].(map[string]interface{}); ok {
				if n, ok := t["Name"].(string); ok {
					name = n
				}
			}
		}
		t, err := clone.New(name).Parse(text)
		if err != nil {
			return "", fmt.Errorf("cannot parse template %q: %v", text, err)
		}
		var buf strings.Builder
		if err := t.Execute(&buf, vals); err != nil {
			return "", fmt.Errorf("error during tpl function execution for %q: %v", text, err)
		}
		return strings.ReplaceAll(buf.String(), "<no value>", ""), nil
	}
	return f
}

// render executes every non-partial template; the result maps template name -> text.
func render(c *chart, top map[string]interface{}) (map[string]string, error) {
	var root *template.Template
	root = template.New("gotpl").Option("missingkey=zero")
	root.Funcs(funcMap(&root))
	names := make([]string, 0, len(c.templates))
	for n := range c.templates {
		names = append(names, n)
	}
	sortTemplates(names)
	for _, n := range names {
		if _, err := root.New(n).Parse(c.templates[n]); err != nil {
			return nil, fmt.Errorf("parse error at (%s): %v", n, strings.TrimPrefix(err.Error(), "template: "))
		}
	}
	out := map[string]string{}
	for _, n := range names {
		if strings.HasPrefix(path.Base(n), "_") {
			continue
		}
		vals := map[string]interface{}{}
		for k, v := range top {
			vals[k] = v
		}
		vals["Template"] = map[string]interface{}{"Name": n, "BasePath": c.meta.Name + "/templates"}
		var buf strings.Builder
		if err := root.ExecuteTemplate(&buf, n, vals); err != nil {
			return nil, cleanupExecError(n, err)
		}
		out[n] = strings.ReplaceAll(buf.String(), "<no value>", "")
	}
	return out, nil
}

// ---------------------------------------------------------------- manifests

// installOrder is Helm's releaseutil.InstallOrder.
var installOrder = []string{
	"PriorityClass", "Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange",
	"PodSecurityPolicy", "PodDisruptionBudget", "ServiceAccount", "Secret", "SecretList",
	"ConfigMap", "StorageClass", "PersistentVolume", "PersistentVolumeClaim",
	"CustomResourceDefinition", "ClusterRole", "ClusterRoleList", "ClusterRoleBinding",
	"ClusterRoleBindingList", "Role", "RoleList", "RoleBinding", "RoleBindingList",
	"Service", "DaemonSet", "Pod", "ReplicationController", "ReplicaSet", "Deployment",
	"HorizontalPodAutoscaler", "StatefulSet", "Job", "CronJob", "IngressClass", "Ingress",
	"APIService",
}

type manifest struct {
	source  string
	content string
	kind    string
	name    string
	hook    bool
	weight  int
	seq     int
}

type head struct {
	Kind     string `json:"kind"`
	Metadata *struct {
		Name        string            `json:"name"`
		Annotations map[string]string `json:"annotations"`
	} `json:"metadata"`
}

var sepRe = regexp.MustCompile(`(?:^|\s*\n)---\s*`)

var hookEvents = map[string]bool{
	"pre-install": true, "post-install": true, "pre-delete": true, "post-delete": true,
	"pre-upgrade": true, "post-upgrade": true, "pre-rollback": true, "post-rollback": true,
	"test": true, "test-success": true,
}

// manifests splits the rendered files into documents, as releaseutil.SortManifests does.
func manifests(rendered map[string]string) ([]manifest, error) {
	names := make([]string, 0, len(rendered))
	for n := range rendered {
		names = append(names, n)
	}
	sort.Strings(names)
	var out []manifest
	for _, n := range names {
		base := path.Base(n)
		if base == "NOTES.txt" || !(strings.HasSuffix(n, ".yaml") || strings.HasSuffix(n, ".yml")) {
			continue
		}
		text := strings.TrimSpace(rendered[n])
		if text == "" {
			continue
		}
		for _, doc := range sepRe.Split(text, -1) {
			doc = strings.TrimSpace(doc)
			if doc == "" {
				continue
			}
			var h head
			if err := yamlUnmarshal([]byte(doc), &h); err != nil {
				return nil, fmt.Errorf("YAML parse error on %s: %v", n, err)
			}
			m := manifest{source: n, content: doc, kind: h.Kind, seq: len(out)}
			if h.Metadata != nil {
				m.name = h.Metadata.Name
				if ev, ok := h.Metadata.Annotations["helm.sh/hook"]; ok {
					m.hook = true
					for _, e := range strings.Split(ev, ",") {
						if !hookEvents[strings.TrimSpace(e)] {
							return nil, fmt.Errorf("%s: unknown hook event %q", n, e)
						}
					}
					if w, ok := h.Metadata.Annotations["helm.sh/hook-weight"]; ok {
						m.weight, _ = strconv.Atoi(w)
					}
				}
			}
			out = append(out, m)
		}
	}
	return out, nil
}

// kindRank is a kind's place in the install order; unknown kinds go last.
func kindRank(kind string) int {
	for i, k := range installOrder {
		if k == kind {
			return i
		}
	}
	return len(installOrder)
}

// sortManifests orders manifests as helm template prints them: ordinary ones by kind,
// then hooks by weight (ties by kind, source and name, so the output is stable).
func sortManifests(ms []manifest) []manifest {
	sort.SliceStable(ms, func(i, j int) bool {
		a, b := ms[i], ms[j]
		if a.hook != b.hook {
			return !a.hook
		}
		if a.hook && a.weight != b.weight {
			return a.weight < b.weight
		}
		ra, rb := kindRank(a.kind), kindRank(b.kind)
		if ra != rb {
			return ra < rb
		}
		if ra == len(installOrder) && a.kind != b.kind {
			return a.kind < b.kind
		}
		if a.source != b.source {
			return a.source < b.source
		}
		return a.seq < b.seq
	})
	return ms
}

// ---------------------------------------------------------------- main

func main() {
	var valueFiles, sets, setStrings, apiVersions multi
	fl := flag.NewFlagSet("helm-render", flag.ContinueOnError)
	fl.Var(&valueFiles, "f", "values file (repeatable)")
	fl.Var(&valueFiles, "values", "values file (repeatable)")
	fl.Var(&sets, "set", "K=V[,K=V] (repeatable)")
	fl.Var(&setStrings, "set-string", "K=V[,K=V] as strings (repeatable)")
	fl.Var(&apiVersions, "api-versions", "extra API version for .Capabilities (repeatable)")
	ns := fl.String("namespace", "default", "release namespace")
	fl.StringVar(ns, "n", "default", "release namespace")
	upgrade := fl.Bool("is-upgrade", false, "render as an upgrade")
	kubeVersion := fl.String("kube-version", "v1.29.0", "Kubernetes version for .Capabilities")
	notes := fl.Bool("notes", false, "print the rendered NOTES.txt")
	if err := fl.Parse(os.Args[1:]); err != nil {
		os.Exit(2)
	}
	if fl.NArg() != 2 {
		fmt.Fprintln(os.Stderr, "usage: helm-render [flags] RELEASE-NAME CHART-DIR")
		os.Exit(2)
	}
	release, dir := fl.Arg(0), fl.Arg(1)

	c, err := loadChart(dir)
	if err != nil {
		die("%v", err)
	}
	user := map[string]interface{}{}
	for _, f := range valueFiles {
		v, err := readValues(f)
		if err != nil {
			die("failed to parse %s: %v", f, err)
		}
		user = mergeMaps(user, v)
	}
	for _, s := range sets {
		if err := parseSet(user, s, false); err != nil {
			die("failed parsing --set data: %v", err)
		}
	}
	for _, s := range setStrings {
		if err := parseSet(user, s, true); err != nil {
			die("failed parsing --set-string data: %v", err)
		}
	}
	vals := coalesce(user, c.values)

	kv, err := semver.NewVersion(*kubeVersion)
	if err != nil {
		die("invalid kube version %q: %v", *kubeVersion, err)
	}
	caps := &Capabilities{
		APIVersions: append(VersionSet{
			"v1", "apps/v1", "batch/v1", "autoscaling/v1", "autoscaling/v2", "policy/v1",
			"networking.k8s.io/v1", "rbac.authorization.k8s.io/v1", "storage.k8s.io/v1",
			"apps/v1/Deployment", "batch/v1/Job", "autoscaling/v2/HorizontalPodAutoscaler",
			"policy/v1/PodDisruptionBudget", "networking.k8s.io/v1/Ingress",
		}, apiVersions...),
		KubeVersion: KubeVersion{Version: "v" + kv.String(), Major: strconv.FormatUint(kv.Major(), 10),
			Minor: strconv.FormatUint(kv.Minor(), 10)},
		HelmVersion: HelmVersion{Version: "v3.14.0+helm-render", GoVersion: "go1.19"},
	}
	if c.meta.KubeVersion != "" {
		con, err := semver.NewConstraint(c.meta.KubeVersion)
		if err != nil {
			die("chart.metadata.kubeVersion %q is invalid: %v", c.meta.KubeVersion, err)
		}
		if !con.Check(kv) {
			die("chart requires kubeVersion: %s which is incompatible with Kubernetes %s",
				c.meta.KubeVersion, caps.KubeVersion.Version)
		}
	}
	revision := 1
	if *upgrade {
		revision = 2
	}
	top := map[string]interface{}{
		"Values": vals,
		"Release": map[string]interface{}{
			"Name": release, "Namespace": *ns, "IsUpgrade": *upgrade, "IsInstall": !*upgrade,
			"Revision": revision, "Service": "Helm",
		},
		"Chart":        &c.meta,
		"Capabilities": caps,
		"Files":        c.files,
		"Subcharts":    map[string]interface{}{},
	}
	rendered, err := render(c, top)
	if err != nil {
		die("%v", err)
	}
	if *notes {
		fmt.Print(strings.TrimSpace(rendered[c.meta.Name+"/templates/NOTES.txt"]) + "\n")
		return
	}
	ms, err := manifests(rendered)
	if err != nil {
		die("%v", err)
	}
	var out bytes.Buffer
	for _, m := range sortManifests(ms) {
		fmt.Fprintf(&out, "---\n# Source: %s\n%s\n", m.source, m.content)
	}
	os.Stdout.Write(out.Bytes())
}
