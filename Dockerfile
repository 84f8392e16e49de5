# syntax=docker/dockerfile:1
# Inkframe: one image for every role (ROLE=api | worker | all). See README "Team set-up".
#   docker build -t inkframe .
# Native modules: better-sqlite3 and bcrypt fall back to compiling from source (node-gyp:
# python3, make, g++) when no prebuilt binary matches; sharp ships prebuilt libvips for
# linux x64/arm64 (glibc). So the stages that run `npm ci` have a toolchain; the runtime does not.

FROM node:20-bookworm-slim AS base
WORKDIR /app

FROM base AS toolchain
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./

# Compile the TypeScript with every dependency (dev ones included).
FROM toolchain AS build
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# Production dependencies only, native modules built for this platform.
FROM toolchain AS prod-deps
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM base AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8000 \
    DATA_DIR=/data
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
# SQLite (when MONGODB_URL is unset), images and the generated secret live in DATA_DIR.
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.PORT + '/api/v1/health/live').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# No npm in front: node gets SIGTERM itself and shuts down gracefully.
CMD ["node", "dist/main.js"]
