# The allocsoak daemon for the overnight stack (docker-compose.yml, service `allocsoak`).
# Two stages on Node 20 / Debian bookworm, pinned by tag (the Node 20 release the tests run on):
#   build    gcc and make build native/, tsc the daemon, node-gyp better-sqlite3 (should it have no
#            prebuilt binary for this platform: python3, g++); then the dev dependencies are pruned.
#   runtime  Node, the peer allocators, the built files and the production node_modules; no compiler,
#            no C headers, no dev dependencies. Runs as the image's unprivileged user `node`.
# test/stack/docker.test.ts builds this file in a real Docker engine and runs the stack from it.

FROM node:20.20.2-bookworm AS build

RUN apt-get update \
 && apt-get install -y --no-install-recommends gcc g++ make python3 \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/allocsoak

# Optional, both empty by default (a machine with access to registry.npmjs.org needs neither):
#   NPM_EXTRA_CA_CERTS  PEM text of CA certificates npm must trust besides Node's own (a TLS-inspecting
#                       proxy); it becomes NODE_EXTRA_CA_CERTS for the npm steps only.
#   NPM_NODEDIR         Node headers for node-gyp, e.g. /usr/local (this image's own), instead of a download.
#   BETTER_SQLITE3_BINARY_HOST  a mirror of better-sqlite3's prebuilt addons (prebuild-install's
#                       better_sqlite3_binary_host) where GitHub's release downloads cannot be reached;
#                       without a prebuilt addon, node-gyp compiles SQLite (python3, g++).
# Proxies: Docker's predefined HTTP_PROXY / HTTPS_PROXY / NO_PROXY build args. All of them exist in this
# stage only: nothing of them reaches the runtime image.
ARG NPM_EXTRA_CA_CERTS=""
ARG NPM_NODEDIR=""
ARG BETTER_SQLITE3_BINARY_HOST=""

# The README's install is `npm ci`, which installs the dependencies and builds everything through the
# package's prepare script. Here it is split in the same steps so that a source change reuses the
# dependency layer: `npm ci --ignore-scripts` (prepare needs the sources), then the install scripts of
# the dependencies that have one (package.json's allowScripts: better-sqlite3; a prebuilt addon when one
# can be downloaded, else node-gyp on every core), then the build. `npm ls` checks the tree: npm 10 can
# exit 0 from a failed install ("Exit handler never called"), and a broken tree must not become a cached layer.
COPY package.json package-lock.json ./
RUN set -eu; \
    if [ -n "$NPM_EXTRA_CA_CERTS" ]; then \
      printf '%s\n' "$NPM_EXTRA_CA_CERTS" > /tmp/npm-extra-ca.pem; export NODE_EXTRA_CA_CERTS=/tmp/npm-extra-ca.pem; \
    fi; \
    if [ -n "$NPM_NODEDIR" ]; then export npm_config_nodedir="$NPM_NODEDIR"; fi; \
    if [ -n "$BETTER_SQLITE3_BINARY_HOST" ]; then export npm_config_better_sqlite3_binary_host="$BETTER_SQLITE3_BINARY_HOST"; fi; \
    npm ci --ignore-scripts --no-audit --no-fund; \
    npm ls --all >/dev/null; \
    JOBS=max npm rebuild better-sqlite3; \
    rm -f /tmp/npm-extra-ca.pem

COPY . .
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund \
 && cd node_modules/better-sqlite3 \
 && mv build/Release/better_sqlite3.node /tmp/ \
 && rm -rf build deps src \
 && mkdir -p build/Release \
 && mv /tmp/better_sqlite3.node build/Release/

FROM node:20.20.2-bookworm-slim AS runtime

# libmimalloc2.0 and libjemalloc2: the peer allocators of the plans' comparison variants.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libmimalloc2.0 libjemalloc2 \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/allocsoak
# Owned by root: the daemon's user reads the program, it writes only /data.
COPY --from=build /opt/allocsoak ./

# The SQLite file lives on a named volume (docker-compose.yml: allocsoak-data).
RUN mkdir -p /data && chown node:node /data
VOLUME /data
USER node

EXPOSE 9477
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:9477/api/v1/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# --host 0.0.0.0 inside the container only; docker-compose.yml publishes the port on 127.0.0.1.
# SIGTERM stops the running workload, stores its epoch as aborted and exits 0 (docker stop's signal).
CMD ["node", "dist/daemon/src/cli/main.js", "daemon", "--plan", "plans/default.yaml", "--db", "/data/allocsoak.db", "--host", "0.0.0.0"]
