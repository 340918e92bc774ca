{{/* The data of the scheduler's ConfigMap: flag name -> value. */}}
{{- define "flyover.schedulerConfig" -}}
scheduler-name: {{ .Values.scheduler.schedulerName | quote }}
leader-elect: {{ .Values.scheduler.leaderElect | quote }}
leader-elect-namespace: {{ .Release.Namespace | quote }}
leader-elect-lease-duration: {{ .Values.leaderElection.leaseDuration | quote }}
leader-elect-renew-deadline: {{ .Values.leaderElection.renewDeadline | quote }}
leader-elect-retry-period: {{ .Values.leaderElection.retryPeriod | quote }}
metrics-port: {{ .Values.scheduler.metricsPort | quote }}
spare-nodes-per-super-pod: {{ .Values.scheduler.superPod.sparesPerSuperPod | quote }}
bind-parallelism: {{ .Values.scheduler.bindParallelism | quote }}
qps: {{ .Values.scheduler.qps | quote }}
{{- end -}}
