# Airbyte source image of tap-firstpromoter (also usable as a Singer tap: `docker run … --config …`).
#   docker build -t tap-firstpromoter/source-firstpromoter:0.1.0 .
#   docker run --rm tap-firstpromoter/source-firstpromoter:0.1.0 spec
# Keep io.airbyte.version equal to package.json's version (test/packaging.test.ts checks it).

# ---- build: full install, compile, then drop dev dependencies ----
FROM node:20.20.0-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would build before src/ is copied; the build runs explicitly below.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src/ ./src/
COPY schemas/ ./schemas/
# build:tap: the sandbox (sandbox/, a separate program for tests and demos) is not copied in, nor built.
# --omit=optional: the DuckDB destination (`--to duckdb:`, ~70 MB of native binding) is not for Airbyte;
# the build above still needs its types.
RUN npm run build:tap && npm prune --omit=dev --omit=optional --no-audit --no-fund

# ---- runtime: compiled code, schemas and production node_modules only ----
FROM node:20.20.0-bookworm-slim
ENV NODE_ENV=production
# Airbyte runs connector containers as 1000:1000; the base image's `node` user holds that UID, so it makes way.
RUN userdel --remove node \
 && groupadd --gid 1000 airbyte \
 && useradd --uid 1000 --gid 1000 --create-home --home-dir /home/airbyte --shell /usr/sbin/nologin airbyte \
 && mkdir -p /airbyte \
 && chown airbyte:airbyte /airbyte
WORKDIR /app
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules/ ./node_modules/
COPY --from=build /src/dist/ ./dist/
COPY --from=build /src/schemas/ ./schemas/
COPY bin/airbyte-entrypoint.sh ./bin/airbyte-entrypoint.sh
RUN chmod 0755 /app/bin/airbyte-entrypoint.sh /app/dist/cli.js

# Airbyte mounts config, catalog and state under /airbyte; the platform may cd elsewhere, so paths are absolute.
WORKDIR /airbyte
USER airbyte
ENV AIRBYTE_ENTRYPOINT="/app/bin/airbyte-entrypoint.sh"
ENTRYPOINT ["/app/bin/airbyte-entrypoint.sh"]

LABEL io.airbyte.name=tap-firstpromoter/source-firstpromoter
LABEL io.airbyte.version=0.1.0
