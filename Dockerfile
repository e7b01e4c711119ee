# The allocsoak daemon for the overnight stack (docker-compose.yml, service `allocsoak`).
# Node 20 on Debian bookworm, pinned by tag (the Node 20 release the tests run on). gcc/make build native/; python3 and g++
# are node-gyp's, should better-sqlite3 have no prebuilt binary for this platform.
FROM node:20.20.2-bookworm

# libmimalloc2.0 and libjemalloc2: the peer allocators of plans/default.yaml's comparison variants.
RUN apt-get update \
 && apt-get install -y --no-install-recommends gcc g++ make python3 libmimalloc2.0 libjemalloc2 \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/allocsoak

# The same install as the README's quick start: `npm ci` builds native/ (make) and the TypeScript
# daemon (tsc) through the package's prepare script, so the whole source goes in first.
COPY . .
RUN npm ci

# The SQLite file lives on a named volume (docker-compose.yml: allocsoak-data).
RUN mkdir -p /data && chown node:node /data
VOLUME /data
USER node

EXPOSE 9477
# --host 0.0.0.0 inside the container only; docker-compose.yml publishes the port on 127.0.0.1.
CMD ["node", "dist/daemon/src/cli/main.js", "daemon", "--plan", "plans/default.yaml", "--db", "/data/allocsoak.db", "--host", "0.0.0.0"]
