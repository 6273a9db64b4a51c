# syntax=docker/dockerfile:1
# One image for every process: the operator, the migrations hook, the ingest
# and impute jobs it schedules, and the outreach service (`wearable <command>`).
# Node 24 runs the TypeScript sources directly (type stripping), so there is no
# build step: stage 1 installs production dependencies, stage 2 copies them and
# the sources onto a clean base and drops root.
#
# Pinned base: the same Node version as the `node` devDependency in package.json.
# For supply-chain pinning, add the digest: node:24.21.0-bookworm-slim@sha256:...
ARG NODE_IMAGE=node:24.21.0-bookworm-slim

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# --omit=dev: no test tools, no Node-from-npm (the base image has Node 24);
# --ignore-scripts: no install-time code runs.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
LABEL org.opencontainers.image.title="wearable-pipeline" \
      org.opencontainers.image.description="Operator, jobs and outreach service for a wearable research data pipeline" \
      org.opencontainers.image.licenses="Apache-2.0"
ENV NODE_ENV=production \
    NODE_OPTIONS="--disable-warning=ExperimentalWarning"
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY bin ./bin
COPY lib ./lib
COPY operator/src ./operator/src
COPY jobs ./jobs
COPY outreach ./outreach
# `wearable` on PATH: the operator's job pods run `command: ["wearable"]`.
# The last step fails the build if any command module cannot load (usage loads them all).
RUN printf '#!/bin/sh\nexec node /app/bin/wearable.ts "$@"\n' > /usr/local/bin/wearable \
 && chmod 0755 /usr/local/bin/wearable \
 && find /app -name '*.test.ts' -delete \
 && wearable --help >/dev/null
# uid/gid 65532 ("nonroot"): the uid the operator's job pods and the chart's pods run as.
USER 65532:65532
ENTRYPOINT ["wearable"]
CMD ["--help"]
