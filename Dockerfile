# mcpgw — policy gateway for the Model Context Protocol.
#
#   docker build -t mcpgw .
#   docker run -d --name mcpgw -p 8080:8080 -v "$PWD/mcpgw.yaml:/etc/mcpgw/mcpgw.yaml:ro" mcpgw
#   docker kill --signal=HUP mcpgw      # reload the policy
#   docker stop mcpgw                   # SIGTERM: drain in-flight requests, then exit 0
#
# The config must listen on 0.0.0.0:8080 inside the container (see
# packaging/docker/mcpgw.yaml); the health check asks 127.0.0.1:8080/healthz.

FROM node:20-bookworm-slim AS build
# re2 is a native addon compiled from source.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY package.json package-lock.json turbo.json tsconfig.json tsconfig.base.json ./
COPY packages/core/package.json packages/core/tsconfig.json packages/core/
COPY packages/express-adapter/package.json packages/express-adapter/tsconfig.json packages/express-adapter/
COPY packages/cli/package.json packages/cli/tsconfig.json packages/cli/
RUN npm ci
COPY packages packages
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /opt/mcpgw
COPY --from=build /src/node_modules node_modules
COPY --from=build /src/package.json package.json
COPY --from=build /src/packages/core/package.json packages/core/package.json
COPY --from=build /src/packages/core/dist packages/core/dist
COPY --from=build /src/packages/express-adapter/package.json packages/express-adapter/package.json
COPY --from=build /src/packages/express-adapter/dist packages/express-adapter/dist
COPY --from=build /src/packages/cli/package.json packages/cli/package.json
COPY --from=build /src/packages/cli/dist packages/cli/dist
COPY --from=build /src/packages/cli/bin packages/cli/bin
COPY packaging/docker/mcpgw.yaml /etc/mcpgw/mcpgw.yaml
RUN mkdir -p /var/log/mcpgw && chown node:node /var/log/mcpgw
# Not root.
USER node
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Exec form, no shell: the daemon is PID 1 and receives SIGHUP and SIGTERM itself.
ENTRYPOINT ["node", "/opt/mcpgw/packages/cli/bin/mcpgw.js"]
CMD ["serve", "--config", "/etc/mcpgw/mcpgw.yaml"]
