#!/bin/sh
# Re-fetch the official ACP v1 JSON Schema from the npm package @agentclientprotocol/sdk into this folder.
set -eu
version="${1:-2.4.0}"
here="$(cd "$(dirname "$0")" && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
npm pack --silent "@agentclientprotocol/sdk@$version" >/dev/null
tar -xzf agentclientprotocol-sdk-"$version".tgz package/schema/v1/schema.json
cp package/schema/v1/schema.json "$here/acp-schema-v1.json"
echo "acp-schema-v1.json <- @agentclientprotocol/sdk@$version"
sha256sum "$here/acp-schema-v1.json" 2>/dev/null || shasum -a 256 "$here/acp-schema-v1.json"
