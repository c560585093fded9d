# Bindery's image: the worker (the default command), the admin API (app/serve.ts) and the codec server
# (codec/main.ts), each run by node itself so that it gets the container's signals and its stdout holds
# only its JSON log lines. Debian-based: Temporal's native core has no musl build.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev
COPY . .
# Workers load the workflow code bundled once here rather than bundling it at every start (faster, less memory).
RUN node --import tsx scripts/bundle.ts /app/dist/workflows.js
# Keys come from the environment in a deployment; the data directory is only a writable fallback.
ENV BINDERY_WORKFLOW_BUNDLE=/app/dist/workflows.js BINDERY_DATA_DIR=/tmp/bindery
USER node
# Admin API, codec server, worker metrics.
EXPOSE 8080 8234 9464
CMD ["node", "--import", "tsx", "worker/main.ts"]
