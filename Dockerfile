# mcpgw — policy gateway for the Model Context Protocol.
#
#   docker build -t mcpgw .
#   mkdir -p config && cp packaging/docker/mcpgw.yaml config/    # then edit config/mcpgw.yaml
#   docker run -d --name mcpgw -p 8080:8080 \
#     --add-host=host.docker.internal:host-gateway \
#     -v "$PWD/config:/etc/mcpgw:ro" -v mcpgw-audit:/var/log/mcpgw mcpgw
#   docker kill --signal=HUP mcpgw      # reload the policy (saving config/mcpgw.yaml does too)
#   docker stop -t 40 mcpgw             # SIGTERM: drain in-flight requests, then exit 0
#
# Mount the config directory, not the file: editors save by writing a new file
# and renaming it over the old one, and a single-file bind mount keeps showing
# the old file, so neither the file watch nor SIGHUP would see the edit.
# --add-host gives host.docker.internal on Linux (Docker Desktop has it
# already), for upstreams that run on the host.
#
# The config must listen on 0.0.0.0:8080 inside the container (see
# packaging/docker/mcpgw.yaml); the health check asks 127.0.0.1:8080/healthz.
#
# Node.js 24, an LTS release maintained until April 2028 (Node 20 reached its
# end of life in April 2026). Not yet Node 26, the active LTS: the re2 release
# in package-lock.json (1.24.0, the last one that supports Node 20, which
# mcpgw's engines still promise) does not compile against Node 26's V8. Both
# stages use the same Node major: re2 is compiled for that Node's ABI.

FROM node:24-trixie-slim AS build
# re2 is a native addon; it is compiled from source when no prebuilt binary
# for this Node's ABI can be downloaded.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY package.json package-lock.json turbo.json tsconfig.json tsconfig.base.json ./
COPY packages/core/package.json packages/core/tsconfig.json packages/core/
COPY packages/express-adapter/package.json packages/express-adapter/tsconfig.json packages/express-adapter/
COPY packages/stdio-adapter/package.json packages/stdio-adapter/tsconfig.json packages/stdio-adapter/
COPY packages/cli/package.json packages/cli/tsconfig.json packages/cli/
RUN npm ci
COPY packages packages
RUN npm run build && npm prune --omit=dev

FROM node:24-trixie-slim
ENV NODE_ENV=production
WORKDIR /opt/mcpgw
COPY --from=build /src/node_modules node_modules
COPY --from=build /src/package.json package.json
COPY --from=build /src/packages/core/package.json packages/core/package.json
COPY --from=build /src/packages/core/dist packages/core/dist
COPY --from=build /src/packages/express-adapter/package.json packages/express-adapter/package.json
COPY --from=build /src/packages/express-adapter/dist packages/express-adapter/dist
COPY --from=build /src/packages/stdio-adapter/package.json packages/stdio-adapter/package.json
COPY --from=build /src/packages/stdio-adapter/dist packages/stdio-adapter/dist
COPY --from=build /src/packages/cli/package.json packages/cli/package.json
COPY --from=build /src/packages/cli/dist packages/cli/dist
COPY --from=build /src/packages/cli/bin packages/cli/bin
COPY LICENSE LICENSE
COPY packaging/docker/mcpgw.yaml /etc/mcpgw/mcpgw.yaml
RUN mkdir -p /var/log/mcpgw && chown node:node /var/log/mcpgw
# Not root.
USER node
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Exec form, no shell: the daemon is PID 1 and receives SIGHUP and SIGTERM itself.
# The bin is a committed executable file (packages/cli/bin), not build output.
ENTRYPOINT ["node", "/opt/mcpgw/packages/cli/bin/mcpgw.js"]
CMD ["serve", "--config", "/etc/mcpgw/mcpgw.yaml"]
