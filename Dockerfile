# The fleet image: the CLI on Node.js 20, production dependencies only, as a non-root user.
#   docker build -t registry.example.com/fleet:0.1.0 .
#   docker run --rm registry.example.com/fleet:0.1.0 --help
# `fleet schedule --format kubernetes --image ...` renders a CronJob that runs it.
ARG NODE_IMAGE=node:20-slim

# ---- build: compile TypeScript with the dev dependencies ----
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: nothing from the registry runs at build time (ssh2's optional native
# speed-up is skipped; it works without it), and `prepare` runs once the sources are here.
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json ./
COPY src ./src
RUN npm run build

# ---- runtime ----
FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    HOME=/home/fleet
WORKDIR /opt/fleet
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts \
 && npm cache clean --force \
 && mkdir -p /home/fleet /var/lib/fleet \
 && chown 10001:10001 /home/fleet /var/lib/fleet
COPY bin ./bin
COPY templates ./templates
COPY inventories ./inventories
COPY --from=build /src/dist ./dist
RUN ln -s /opt/fleet/bin/fleet.js /usr/local/bin/fleet
# Numeric, so Kubernetes can check runAsNonRoot; the CronJob fleet renders runs as this uid.
USER 10001:10001
# apply's run journal (.fleet/) goes here; the CronJob mounts an emptyDir on it.
WORKDIR /var/lib/fleet
ENTRYPOINT ["fleet"]
CMD ["--help"]
