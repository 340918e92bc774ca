{{/* The chart name, overridable with .Values.nameOverride. */}}
{{- define "flyover.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The prefix of every object name: the release name, plus the chart name unless present. */}}
{{- define "flyover.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := include "flyover.name" . -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Labels on every object. */}}
{{- define "flyover.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "flyover.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Selector labels of one component: (dict "root" $ "component" "operator"). */}}
{{- define "flyover.selectorLabels" -}}
app.kubernetes.io/name: {{ include "flyover.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* All labels of one component's objects. */}}
{{- define "flyover.componentLabels" -}}
{{ include "flyover.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* A component's image: (dict "root" $ "image" .Values.operator.image). */}}
{{- define "flyover.image" -}}
{{- $tag := default .root.Chart.AppVersion .image.tag -}}
{{- $registry := required "image.registry: set the registry the Flyover images were pushed to" .root.Values.image.registry -}}
{{- printf "%s/%s:%s" $registry .image.repository $tag -}}
{{- end -}}

{{/* The name of a component's ServiceAccount, Roles and Services: (dict "root" $ "component" "x"). */}}
{{- define "flyover.componentName" -}}
{{- printf "%s-%s" (include "flyover.fullname" .root) .component | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Pod-level security context of the non-root components. */}}
{{- define "flyover.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
fsGroup: 65532
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* Container security context: non-root, read-only root, no escalation, no capabilities. */}}
{{- define "flyover.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
readOnlyRootFilesystem: true
allowPrivilegeEscalation: false
privileged: false
capabilities:
  drop:
    - ALL
{{- end -}}

{{/* Probes on a component's metrics port. */}}
{{- define "flyover.probes" -}}
livenessProbe:
  httpGet:
    path: /healthz
    port: metrics
  initialDelaySeconds: 5
  periodSeconds: 10
readinessProbe:
  httpGet:
    path: /readyz
    port: metrics
  periodSeconds: 5
{{- end -}}
