package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gopkg.in/yaml.v2"
)

// chart is a chart directory read into memory.
type chart struct {
	meta      map[string]interface{} // Chart.yaml, keys capitalised as Helm's .Chart
	values    map[string]interface{}
	files     files             // every file, by path relative to the chart
	templates map[string]string // "templates/x.yaml" -> text
	crds      []string          // "crds/x.yaml", sorted
}

func (c *chart) name() string { return fmt.Sprint(c.meta["Name"]) }

// files is .Files: Get returns a file's text, Glob the files matching a pattern.
type files map[string][]byte

func (f files) Get(path string) string { return string(f[path]) }

func (f files) Glob(pattern string) (files, error) {
	out := files{}
	for path, data := range f {
		ok, err := filepath.Match(pattern, path)
		if err != nil {
			return nil, fmt.Errorf("Files.Glob %q: %v", pattern, err)
		}
		if ok {
			out[path] = data
		}
	}
	return out, nil
}

func loadChart(dir string) (*chart, error) {
	c := &chart{files: files{}, templates: map[string]string{}}
	err := filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		rel = filepath.ToSlash(rel)
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		c.files[rel] = data
		if strings.HasPrefix(rel, "templates/") {
			c.templates[rel] = string(data)
		} else if strings.HasPrefix(rel, "crds/") && strings.HasSuffix(rel, ".yaml") {
			c.crds = append(c.crds, rel)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(c.crds)
	if c.meta, err = loadChartMeta(c.files["Chart.yaml"]); err != nil {
		return nil, err
	}
	if c.values, err = yamlToJSONMap(c.files["values.yaml"]); err != nil {
		return nil, fmt.Errorf("values.yaml: %v", err)
	}
	return c, nil
}

// loadChartMeta maps Chart.yaml's keys to Helm's field names (name -> Name, appVersion ->
// AppVersion).
func loadChartMeta(data []byte) (map[string]interface{}, error) {
	raw, err := yamlToJSONMap(data)
	if err != nil {
		return nil, fmt.Errorf("Chart.yaml: %v", err)
	}
	if raw["name"] == nil || raw["version"] == nil {
		return nil, fmt.Errorf("Chart.yaml: name and version are required")
	}
	meta := map[string]interface{}{}
	for key, value := range raw {
		meta[strings.ToUpper(key[:1])+key[1:]] = value
	}
	return meta, nil
}

// yamlToJSONMap reads YAML the way Helm does (sigs.k8s.io/yaml): through JSON, so numbers
// become float64 and maps map[string]interface{}.
func yamlToJSONMap(data []byte) (map[string]interface{}, error) {
	var raw interface{}
	if err := yaml.Unmarshal(data, &raw); err != nil {
		return nil, err
	}
	encoded, err := json.Marshal(stringKeys(raw))
	if err != nil {
		return nil, err
	}
	out := map[string]interface{}{}
	if string(encoded) == "null" {
		return out, nil
	}
	if err := json.Unmarshal(encoded, &out); err != nil {
		return nil, err
	}
	return out, nil
}

func stringKeys(v interface{}) interface{} {
	switch t := v.(type) {
	case map[interface{}]interface{}:
		out := map[string]interface{}{}
		for k, value := range t {
			out[fmt.Sprint(k)] = stringKeys(value)
		}
		return out
	case []interface{}:
		for i := range t {
			t[i] = stringKeys(t[i])
		}
	}
	return v
}

// toYAML marshals like Helm's toYaml: through JSON (keys sorted), then yaml.v2.
func toYAML(v interface{}) (string, error) {
	encoded, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	var generic interface{}
	if err := yaml.Unmarshal(encoded, &generic); err != nil {
		return "", err
	}
	out, err := yaml.Marshal(generic)
	if err != nil {
		return "", err
	}
	return strings.TrimSuffix(string(out), "\n"), nil
}

// mergeValues merges a values file over the chart's values as `helm -f` does: maps merge
// key by key, anything else replaces, and null deletes the key.
func (c *chart) mergeValues(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	overrides, err := yamlToJSONMap(data)
	if err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	mergeInto(c.values, overrides)
	return nil
}

func mergeInto(dst, src map[string]interface{}) {
	for key, value := range src {
		if value == nil {
			delete(dst, key)
			continue
		}
		srcMap, srcIsMap := value.(map[string]interface{})
		dstMap, dstIsMap := dst[key].(map[string]interface{})
		if srcIsMap && dstIsMap {
			mergeInto(dstMap, srcMap)
		} else {
			dst[key] = value
		}
	}
}
