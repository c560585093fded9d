# Bindery's API and worker image (Debian-based: Temporal's native core has no musl build).
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev
COPY . .
USER node
CMD ["npx", "tsx", "worker/main.ts"]
