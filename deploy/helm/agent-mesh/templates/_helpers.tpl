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
