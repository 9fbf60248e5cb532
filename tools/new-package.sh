#!/usr/bin/env bash
# Lays out a new workspace package with the shape every Ferris package shares:
#   tools/new-package.sh <dir-name> "<description>" [peer-core]
# e.g. tools/new-package.sh connector-foo "Foo tables as sources and sinks" peer-core
set -euo pipefail
dir=$1 desc=$2 peer=${3:-}
root=$(cd "$(dirname "$0")/.." && pwd)
pkg="$root/packages/$dir"
[ -e "$pkg" ] && { echo "packages/$dir exists already" >&2; exit 1; }
mkdir -p "$pkg/src" "$pkg/test"
deps='{}'
peers='{}'
if [ "$peer" = peer-core ]; then peers='{ "@ferris/core": ">=0.1.0 <1.0.0" }'; fi
cat > "$pkg/package.json" <<JSON
{
  "name": "@ferris/$dir",
  "version": "0.1.0",
  "description": "$desc",
  "license": "Apache-2.0",
  "type": "module",
  "sideEffects": false,
  "engines": { "node": ">=20.11" },
  "repository": { "type": "git", "url": "https://example.invalid/ferris.git", "directory": "packages/$dir" },
  "keywords": ["ferris", "streaming", "sql"],
  "exports": {
    ".": { "@ferris/source": "./src/index.ts", "types": "./dist/index.d.ts", "default": "./dist/index.js" },
    "./package.json": "./package.json",
    "./internal/*": null
  },
  "main": "./dist/index.js",
  "types": "./dist/index.d.ts",
  "files": ["dist", "src", "README.md", "CHANGELOG.md"],
  "scripts": {
    "build": "tsc -p tsconfig.build.json",
    "typecheck": "tsc -p tsconfig.json --noEmit",
    "lint": "biome check .",
    "test": "vitest run"
  },
  "dependencies": $deps,
  "peerDependencies": $peers
}
JSON
cat > "$pkg/tsconfig.json" <<'JSON'
{
  "extends": "../../tsconfig.base.json",
  "compilerOptions": { "noEmit": true, "allowImportingTsExtensions": true },
  "include": ["src", "test", "vitest.config.ts"]
}
JSON
cat > "$pkg/tsconfig.build.json" <<'JSON'
{
  "extends": "../../tsconfig.base.json",
  "compilerOptions": { "rootDir": "src", "outDir": "dist", "customConditions": [], "tsBuildInfoFile": "dist/.tsbuildinfo" },
  "include": ["src"]
}
JSON
cat > "$pkg/vitest.config.ts" <<'TS'
import { ferrisVitestConfig } from '../../vitest.shared.ts'

export default ferrisVitestConfig(import.meta.dirname)
TS
cat > "$pkg/CHANGELOG.md" <<MD
# @ferris/$dir
MD
cat > "$pkg/README.md" <<MD
# @ferris/$dir

$desc

## Known limitations

MD
echo "export {}" > "$pkg/src/index.ts"
echo "created packages/$dir"
