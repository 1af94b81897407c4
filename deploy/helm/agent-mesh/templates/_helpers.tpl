{{- define "agent-mesh.labels" -}}
app.kubernetes.io/part-of: agent-mesh
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "agent-mesh.image" -}}
{{ printf "%s:%s" .Values.image.repository .Values.image.tag }}
{{- end -}}

{{- define "agent-mesh.strict" -}}
{{- if eq (toString .Values.tls.mode) "strict" }}true{{ end -}}
{{- end -}}

{{/* cert-manager issues the certificates when its API is installed and an issuer is named. */}}
{{- define "agent-mesh.certManager" -}}
{{- if and (include "agent-mesh.strict" .) .Values.tls.certManager.issuer (.Capabilities.APIVersions.Has "cert-manager.io/v1") }}true{{ end -}}
{{- end -}}

{{/* The Secret holding a workload's tls.crt, tls.key and ca.crt (both ways of issuing use this name). */}}
{{- define "agent-mesh.tlsSecret" -}}
mesh-tls-{{ . }}
{{- end -}}

{{/* The DNS suffix of a workload's per-pod names (its headless Service). */}}
{{- define "agent-mesh.podDomain" -}}
{{ .name }}-pods.{{ .root.Release.Namespace }}.svc.{{ .root.Values.tls.clusterDomain }}
{{- end -}}

{{/* The strict-mode environment of a workload: its certificate, the CA, the trust domain and the policy. */}}
{{- define "agent-mesh.tlsEnv" -}}
- name: MCP_MESH_TLS_MODE
  value: strict
- name: MCP_MESH_TLS_CERT
  value: /run/mesh-tls/tls.crt
- name: MCP_MESH_TLS_KEY
  value: /run/mesh-tls/tls.key
- name: MCP_MESH_TLS_CA
  value: /run/mesh-tls/ca.crt
- name: MCP_MESH_TRUST_DOMAIN
  value: {{ .Values.tls.trustDomain | quote }}
- name: MCP_MESH_POLICY_FILE
  value: /app/architecture.yml
{{- end -}}

{{/* Runs as the image's user; fsGroup lets it read the Secret's files (mode 0440). */}}
{{- define "agent-mesh.podSecurity" -}}
securityContext:
  runAsNonRoot: true
  runAsUser: 1000
  runAsGroup: 1000
  fsGroup: 1000
{{- end -}}

{{/* Where the recommendation agent reads its model and the training CronJob writes it (a volume at /models). */}}
{{- define "agent-mesh.modelPath" -}}
/models/recommendations.json
{{- end -}}

{{/* The database of the recommendation agent in .Values.agents (empty when the list has no such agent). */}}
{{- define "agent-mesh.recommendationDatabase" -}}
{{- range .Values.agents }}{{ if eq .name "recommendation-agent" }}{{ .database }}{{ end }}{{ end -}}
{{- end -}}

{{/* True when the model volume is a ReadWriteOnce claim: one node at a time (see values.yaml). */}}
{{- define "agent-mesh.modelsSingleNode" -}}
{{- if and .Values.recommendations.persistence.enabled (eq .Values.recommendations.persistence.accessMode "ReadWriteOnce") }}true{{ end -}}
{{- end -}}

{{/* The model volume of the agent's pods and the CronJob's: the shared claim, or the agent's own emptyDir. */}}
{{- define "agent-mesh.modelsVolume" -}}
- name: models
  {{- if .Values.recommendations.persistence.enabled }}
  persistentVolumeClaim:
    claimName: recommendation-models
  {{- else }}
  emptyDir: {}
  {{- end }}
{{- end -}}
