# syntax=docker/dockerfile:1
# The bot as a container: `docker build -t incident-alert-bot .`, then
# `docker run -d -v incident-bot-data:/data -p 127.0.0.1:8080:8080 --env-file bot.env incident-alert-bot`
# with the tokens in bot.env. compose.yaml runs it with PostgreSQL; README "Running with Docker,
# compose or systemd".

# Build stage: the dependencies (better-sqlite3 is a native module: it fetches a prebuilt binary
# for this Node and glibc, or compiles with python3, make and g++), the compiled dist/, then only
# the production dependencies. The same base image as the runtime stage, so the native modules
# (better-sqlite3, @resvg/resvg-js) are built for the libc and Node they run on.
FROM node:20-bookworm-slim AS build
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ fonts-noto-core \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# The lockfile first, so a change to src/ alone reuses the installed dependencies. Install scripts
# run only for the packages package.json's "allowScripts" names (better-sqlite3, esbuild).
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts && npm rebuild better-sqlite3 esbuild
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
RUN npm run build && npm prune --omit=dev --ignore-scripts

# Runtime stage: node, the production dependencies, dist/ and the default services file. No
# browser (charts are SVG rendered to PNG by @resvg/resvg-js), but fonts: DejaVu for Latin text
# and Noto for the Bengali and Devanagari chart labels (resvg reads /usr/share/fonts).
FROM node:20-bookworm-slim
RUN apt-get update \
  && apt-get install -y --no-install-recommends fonts-dejavu-core \
  && rm -rf /var/lib/apt/lists/* \
  && groupadd --system --gid 10001 incidentbot \
  && useradd --system --uid 10001 --gid incidentbot --home-dir /nonexistent --no-create-home \
    --shell /usr/sbin/nologin incidentbot \
  && mkdir /data \
  && chown incidentbot:incidentbot /data
COPY --from=build /usr/share/fonts/truetype/noto/NotoSansBengali-Regular.ttf \
  /usr/share/fonts/truetype/noto/NotoSansBengali-Bold.ttf \
  /usr/share/fonts/truetype/noto/NotoSansDevanagari-Regular.ttf \
  /usr/share/fonts/truetype/noto/NotoSansDevanagari-Bold.ttf \
  /usr/share/fonts/truetype/noto/
WORKDIR /app
# Owned by root and read-only to the bot: it writes only to /data.
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY config ./config
COPY scripts/healthcheck.mjs ./scripts/healthcheck.mjs
# /data holds the SQLite database (with its -wal and -shm files) and the push monitors' secret,
# kept beside DATABASE_PATH; on PostgreSQL (DATABASE_URL) only the secret. Listening on every
# interface is what makes the published port reach the status page inside the container.
ENV DATABASE_PATH=/data/incident-bot.db \
  HTTP_HOST=0.0.0.0 \
  HTTP_PORT=8080
VOLUME /data
USER incidentbot
EXPOSE 8080
# The bot stops on SIGTERM: it finishes what it writes and, with several instances, hands its
# services over at once.
STOPSIGNAL SIGTERM
# /healthz answers 503 while the bot is degraded (database not taking writes, a platform
# disconnected, our own network down), so the container shows unhealthy then too.
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
  CMD ["node", "scripts/healthcheck.mjs"]
# What `npm start` runs after its build (package.json "start"): the node flags keep memory low
# (README, Set-up).
CMD ["node", "--max-semi-space-size=2", "--heap-growing-percent=15", "--no-wasm-tier-up", "--no-wasm-dynamic-tiering", "--v8-pool-size=1", "dist/main.js"]
