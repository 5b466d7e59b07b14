# The API and the worker in one image. The embedded stack (Temporal dev server, FerretDB) is NOT part of
# it: in Docker, MONGODB_URI, TEMPORAL_ADDRESS and REDIS_URL name real services (see docker-compose.yml),
# so no Go tool is built or needed here.
#
#   docker build -t coco-durable-server .
#   docker run ... coco-durable-server                          # API (ports 9000 and 2900)
#   docker run ... coco-durable-server npx tsx src/worker.ts    # Temporal worker

# Runtime dependencies only. tsx is one of them. Install scripts stay off, as package.json's allowScripts
# asks; the native parts (Temporal core bridge, esbuild, swc) ship prebuilt per platform.
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts

# The admin UI (web/ → web/dist), built with the dev dependencies when the project has a build:web script
# (outside Docker, `npm ci` builds it through `prepare`). An empty web/dist otherwise.
FROM node:20-bookworm-slim AS web
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY . .
RUN mkdir -p web/dist \
 && if node -e "process.exit(require('./package.json').scripts?.['build:web'] ? 0 : 1)"; then npm run build:web; fi

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false \
    COCO_HOST=0.0.0.0 \
    COCO_API_PORT=9000 \
    COCO_WS_PORT=2900
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json tsconfig.json ./
COPY src ./src
COPY --from=web /app/web/dist ./web/dist

# No secrets here: COCO_ADMIN_TOKEN, COCO_LLM_* and the service URLs come from the environment at run time.
# No HEALTHCHECK either: the worker runs from this image too; docker-compose.yml checks the API.
USER node
EXPOSE 9000 2900

CMD ["npx", "tsx", "src/server.ts"]
