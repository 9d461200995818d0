# The broker, as a non-root user (uid 1000), in either mode: with DATABASE_URL, or embedded
# PostgreSQL in /var/lib/fedbroker (mount a volume there to keep it).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY apps apps
COPY libs libs
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
LABEL org.opencontainers.image.title="fedbroker" \
      org.opencontainers.image.description="Security token service for workloads" \
      org.opencontainers.image.licenses="Apache-2.0"
ENV NODE_ENV=production \
    FEDBROKER_DATA_DIR=/var/lib/fedbroker
# A heap limit of three quarters of a 512 MiB container: V8 sizes its old generation from the limit,
# and without one (a limit taken from the host's memory) lets garbage grow to 4 times the live heap
# under load before collecting it. Keep it at about 3/4 of the container's memory limit.
ENV NODE_OPTIONS=--max-old-space-size=384
WORKDIR /app
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
COPY --from=build /app/apps/console/public apps/console/public
COPY package.json LICENSE ./
# The application stays root-owned and read-only to the user that runs it; only the data dir is its own.
RUN mkdir -p /var/lib/fedbroker && chown 1000:1000 /var/lib/fedbroker
VOLUME /var/lib/fedbroker
USER 1000:1000
EXPOSE 8080 9090
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "dist/apps/broker/src/main.js"]
