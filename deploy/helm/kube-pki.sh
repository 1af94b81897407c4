#!/usr/bin/env bash
# Makes the certificates deploy/helm/check-cluster.sh's control plane needs, with openssl, into DIR:
#   ca.crt/.key                      the cluster CA (signs everything below; clients trust it)
#   apiserver.crt/.key               kube-apiserver's serving certificate (127.0.0.1, localhost, kubernetes.*)
#   service-account.key/.pub         the key pair service-account tokens are signed and checked with
#   admin, controller-manager, scheduler, kwok .crt/.key   client certificates (CN = user, O = group)
# Usage: deploy/helm/kube-pki.sh DIR      (valid one day: the cluster lives for one check)
set -euo pipefail

dir="${1:?usage: kube-pki.sh DIR}"
mkdir -p "$dir"
cd "$dir"
umask 077

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.key" 2>/dev/null; }

# sign NAME SUBJECT EXTENSIONS: a CSR for NAME.key, signed by the CA with the given v3 extensions.
sign() {
  openssl req -new -key "$1.key" -subj "$2" -out "$1.csr"
  printf '%s\n' "$3" >"$1.ext"
  openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 1 -sha256 \
    -extfile "$1.ext" -out "$1.crt" 2>/dev/null
  rm -f "$1.csr" "$1.ext"
}

key ca
openssl req -x509 -new -key ca.key -subj "/CN=check-cluster-ca" -days 1 -sha256 -out ca.crt \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"

key apiserver
sign apiserver "/CN=kube-apiserver" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:10.96.0.1"

openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out service-account.key 2>/dev/null
openssl pkey -in service-account.key -pubout -out service-account.pub

client="basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth"
key admin
sign admin "/O=system:masters/CN=check-cluster-admin" "$client"
key controller-manager
sign controller-manager "/CN=system:kube-controller-manager" "$client"
key scheduler
sign scheduler "/CN=system:kube-scheduler" "$client"
# kwok writes every node's and pod's status, leases and events: the role of many kubelets at once.
key kwok
sign kwok "/O=system:masters/CN=kwok" "$client"
rm -f ca.srl
echo "kube-pki: certificates in $dir"
