// Command render renders a Helm chart the way `helm template --include-crds` does, for charts
// that use only the built-ins implemented here: .Values, .Release, .Chart, .Files.Get,
// .Files.Glob, include, required, toYaml, fromYaml and the sprig functions (a chart that
// uses another built-in fails to render: add it here, as Helm defines it). It exists so
// tests can render the chart where no Helm binary is installed; see helm/README.md.
//
// Usage: render --chart DIR [--values FILE] [--release NAME] [--namespace NS] [--notes]
// Writes the manifests (CRDs first, then templates in Helm's install order) to stdout, or the
// rendered NOTES.txt with --notes. Exits 1 with a message naming the file on any error.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	chartDir := flag.String("chart", "", "chart directory")
	release := flag.String("release", "flyover", "release name")
	namespace := flag.String("namespace", "flyover-system", "release namespace")
	notes := flag.Bool("notes", false, "print the rendered NOTES.txt instead of the manifests")
	valuesFile := flag.String("values", "", "a values file merged over values.yaml, as helm -f")
	flag.Parse()
	if *chartDir == "" {
		fail(fmt.Errorf("--chart: required"))
	}
	chart, err := loadChart(*chartDir)
	if err != nil {
		fail(err)
	}
	if *valuesFile != "" {
		if err := chart.mergeValues(*valuesFile); err != nil {
			fail(err)
		}
	}
	top := map[string]interface{}{
		"Values":  chart.values,
		"Chart":   chart.meta,
		"Files":   chart.files,
		"Release": releaseInfo(*release, *namespace),
	}
	rendered, err := renderTemplates(chart, top)
	if err != nil {
		fail(err)
	}
	if *notes {
		fmt.Print(rendered[notesName(chart)])
		return
	}
	docs, err := collectDocuments(chart, rendered)
	if err != nil {
		fail(err)
	}
	for _, doc := range docs {
		fmt.Printf("---\n# Source: %s\n%s\n", doc.source, doc.body)
	}
}

func releaseInfo(name, namespace string) map[string]interface{} {
	return map[string]interface{}{
		"Name": name, "Namespace": namespace, "Service": "Helm",
		"IsInstall": true, "IsUpgrade": false, "Revision": 1,
	}
}

func notesName(c *chart) string {
	return filepath.ToSlash(filepath.Join(c.name(), "templates", "NOTES.txt"))
}

// isPartial: files Helm parses but does not render on their own.
func isPartial(name string) bool {
	base := filepath.Base(name)
	return strings.HasPrefix(base, "_") || strings.HasSuffix(base, "NOTES.txt")
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "render:", err)
	os.Exit(1)
}
