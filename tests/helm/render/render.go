package main

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig"
)

// renderTemplates parses every template of the chart into one set (so defines are shared)
// and renders each file that is not a partial, plus NOTES.txt. Keys are "<chart>/templates/x".
func renderTemplates(c *chart, top map[string]interface{}) (map[string]string, error) {
	root := template.New("gotpl").Option("missingkey=zero")
	root.Funcs(helmFuncs(root))
	names := make([]string, 0, len(c.templates))
	for rel := range c.templates {
		names = append(names, rel)
	}
	sort.Strings(names)
	for _, rel := range names {
		name := c.name() + "/" + rel
		if _, err := root.New(name).Parse(c.templates[rel]); err != nil {
			return nil, fmt.Errorf("parse %s: %v", name, err)
		}
	}
	out := map[string]string{}
	for _, rel := range names {
		name := c.name() + "/" + rel
		if isPartial(rel) && !strings.HasSuffix(rel, "NOTES.txt") {
			continue
		}
		var buf bytes.Buffer
		if err := root.ExecuteTemplate(&buf, name, top); err != nil {
			return nil, fmt.Errorf("render %s: %v", name, err)
		}
		// Helm leaves "<no value>" for missing keys as "".
		out[name] = strings.ReplaceAll(buf.String(), "<no value>", "")
	}
	return out, nil
}

// helmFuncs: sprig's functions minus those Helm removes, plus Helm's own that the chart uses.
func helmFuncs(root *template.Template) template.FuncMap {
	funcs := sprig.TxtFuncMap()
	delete(funcs, "env")
	delete(funcs, "expandenv")
	funcs["toYaml"] = func(v interface{}) string {
		out, err := toYAML(v)
		if err != nil {
			return ""
		}
		return out
	}
	funcs["fromYaml"] = func(s string) map[string]interface{} {
		out, err := yamlToJSONMap([]byte(s))
		if err != nil {
			return map[string]interface{}{"Error": err.Error()}
		}
		return out
	}
	funcs["include"] = func(name string, data interface{}) (string, error) {
		var buf bytes.Buffer
		if err := root.ExecuteTemplate(&buf, name, data); err != nil {
			return "", err
		}
		return buf.String(), nil
	}
	funcs["required"] = func(message string, v interface{}) (interface{}, error) {
		if v == nil {
			return nil, errors.New(message)
		}
		if s, ok := v.(string); ok && s == "" {
			return nil, errors.New(message)
		}
		return v, nil
	}
	return funcs
}

type document struct {
	source string
	kind   string
	order  int
	body   string
}

var separator = regexp.MustCompile(`(?:^|\s*\n)---\s*`)

// collectDocuments splits the rendered files into YAML documents, drops empty ones and sorts
// them in Helm's install order (CRDs first, then by kind, then by file and position).
func collectDocuments(c *chart, rendered map[string]string) ([]document, error) {
	var docs []document
	for _, rel := range c.crds {
		docs = append(docs, document{source: c.name() + "/" + rel, kind: "CustomResourceDefinition",
			order: -1, body: strings.TrimSpace(string(c.files[rel]))})
	}
	names := make([]string, 0, len(rendered))
	for name := range rendered {
		if !strings.HasSuffix(name, "NOTES.txt") {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		for _, part := range separator.Split(rendered[name], -1) {
			body := strings.TrimSpace(part)
			if body == "" {
				continue
			}
			head, err := yamlToJSONMap([]byte(body))
			if err != nil {
				return nil, fmt.Errorf("%s: rendered YAML does not parse: %v", name, err)
			}
			kind := fmt.Sprint(head["kind"])
			docs = append(docs, document{source: name, kind: kind, order: installOrder(kind), body: body})
		}
	}
	sort.SliceStable(docs, func(i, j int) bool { return docs[i].order < docs[j].order })
	return docs, nil
}

// Helm's InstallOrder (pkg/releaseutil/kind_sorter.go); unknown kinds go last.
var kindOrder = []string{"PriorityClass", "Namespace", "NetworkPolicy", "ResourceQuota",
	"LimitRange", "PodSecurityPolicy", "PodDisruptionBudget", "ServiceAccount", "Secret",
	"SecretList", "ConfigMap", "StorageClass", "PersistentVolume", "PersistentVolumeClaim",
	"CustomResourceDefinition", "ClusterRole", "ClusterRoleList", "ClusterRoleBinding",
	"ClusterRoleBindingList", "Role", "RoleList", "RoleBinding", "RoleBindingList", "Service",
	"DaemonSet", "Pod", "ReplicationController", "ReplicaSet", "Deployment",
	"HorizontalPodAutoscaler", "StatefulSet", "Job", "CronJob", "IngressClass", "Ingress",
	"APIService"}

func installOrder(kind string) int {
	for i, k := range kindOrder {
		if k == kind {
			return i
		}
	}
	return len(kindOrder)
}
