/**
 * Where each shell command of the docs is checked. A command in README.md,
 * docs/*.md or packages/*\/README.md is either run as printed by one of the
 * tests named in TESTS (RUN_HERE), or listed in NOT_RUN_HERE with the reason
 * it cannot run in the suite and the test that covers what it does instead.
 * A command in neither fails test/docs/shell-commands.test.ts, so a new
 * command in the docs comes with its check.
 *
 * Keys are commands as the shell reads them: a `\`-continued line joined into
 * one, the trailing `# comment` dropped.
 */

/** The tests that run doc commands (shell-commands.test.ts; `benchSmoke` in bench-commands.test.ts, slow tier; `license` in test/license/license-docs.test.ts). */
export const TESTS = {
  quickStart: 'validate, serve, and reload with kill -HUP "$(pidof mcpgw)": the exit codes, log lines and audit events the docs show',
  schema: 'mcpgw schema > mcpgw.schema.json writes the JSON Schema',
  auditInOrder: 'the rotated audit files and the live one read back in order',
  exampleProxy: 'the example proxy in front of the demo upstream on ports 8080 and 3001, reloaded through pgrep',
  benchList: 'node bench/run.mjs --list names every benchmark the docs run',
  cli: 'mcpgw and npx mcpgw in the clone: --version, --help, validate the demo config',
  pidFile: 'serve --pid-file, and kill -HUP "$(cat mcpgw.pid)" reloads that gateway',
  benchSmoke: "the benchmarks' smoke runs finish",
  license: "openssl makes the issuer's key pair, mcpgw license sign issues a license with it, and mcpgw license show reads it as valid",
} as const;

export const RUN_HERE: Readonly<Record<string, string>> = {
  'mcpgw validate --config mcpgw.yaml': TESTS.quickStart,
  'mcpgw serve --config mcpgw.yaml': TESTS.quickStart,
  'kill -HUP "$(pidof mcpgw)"': TESTS.quickStart,
  'tail -f audit.jsonl | jq -c \'select(.event | startswith("policy_reload"))\' &': TESTS.quickStart,
  'mcpgw schema > mcpgw.schema.json': TESTS.schema,
  'for f in $(ls audit.jsonl.[0-9]* | grep -v \'\\.tmp$\' | sed \'s/\\.gz$//\' | sort -uV); do cat "$f" 2>/dev/null || zcat "$f.gz"; done; cat audit.jsonl': TESTS.auditInOrder,
  'node examples/demo-upstream/server.mjs --port 3001 &': TESTS.exampleProxy,
  'node examples/node-http-proxy/proxy.mjs --config examples/mcpgw.yaml --port 8080 --upstream-url http://127.0.0.1:3001/mcp': TESTS.exampleProxy,
  'kill -HUP "$(pgrep -f examples/node-http-proxy/proxy.mjs)"': TESTS.exampleProxy,
  'node bench/run.mjs --list': TESTS.benchList,
  'npx mcpgw --version': TESTS.cli,
  'npx mcpgw validate --config examples/mcpgw.yaml': TESTS.cli,
  'mcpgw --version': TESTS.cli,
  'mcpgw --help': TESTS.cli,
  'mcpgw validate --config examples/mcpgw.yaml': TESTS.cli,
  'mcpgw serve --config mcpgw.yaml --pid-file mcpgw.pid': TESTS.pidFile,
  'kill -HUP "$(cat mcpgw.pid)"': TESTS.pidFile,
  'node bench/run.mjs core -- --quick': TESTS.benchSmoke,
  'node bench/sse.mjs --quick': TESTS.benchSmoke,
  'node bench/sse-floor.mjs': TESTS.benchSmoke,
  'node bench/http.mjs --duration-ms 1000 --rounds 1': TESTS.benchSmoke,
  'node bench/stdio.mjs --quick': TESTS.benchSmoke,
  'node bench/telemetry.mjs --quick': TESTS.benchSmoke,
  'openssl genpkey -algorithm ed25519 -out private.pem': TESTS.license,
  'openssl pkey -in private.pem -pubout -out public.pem': TESTS.license,
  'mcpgw license sign --key private.pem --licensee "Example Corp" --expires 2030-12-31 --entitlements gateway,stdio --out license.json': TESTS.license,
  'mcpgw license show --config mcpgw.yaml': TESTS.license,
};

export interface NotRunHere {
  /** Why the suite cannot run it as printed. */
  readonly reason: string;
  /** The test (file, and name where it helps) that checks what the command does. */
  readonly coveredBy: string;
}

const DOCKER = 'needs a Docker engine, which the suite does not have';
const SYSTEMD = 'needs systemd running as PID 1 and changes the host (a unit, a system user)';
const UNIT = 'test/daemon/lifecycle.test.ts: the systemd unit reloads with SIGHUP and stops with SIGTERM, with time to drain';
const LIFECYCLE_PID1 = 'test/daemon/lifecycle.test.ts: as PID 1 of its own PID namespace (as in a container), the daemon handles SIGHUP and SIGTERM itself';
const BENCH = 'a measurement: it keeps both cores busy for';
const PACK = 'packs the packages and installs them, compiling re2 (about a minute)';
const SYSTEMD_INSTALL = 'test/packaging/systemd.test.ts (slow tier): these install steps, performed into a scratch root, then systemd-analyze verify --root';
const LIBRARY_INSTALL = "test/packaging/pack.test.ts (slow tier): each package README's install block run as printed (its /tmp/mcpgw-packs moved to a scratch folder that does not exist yet), then @mcpgw/core's Use snippet run as printed";
const DOCKERFILE = 'test/packaging/docker.test.ts (the Dockerfile, without a Docker engine)';

export const NOT_RUN_HERE: Readonly<Record<string, NotRunHere>> = {
  // The clone's own workflow.
  'npm install': { reason: 'installs the dependencies from the registry; the suite runs after it', coveredBy: '.ci/run (npm ci on a clean clone, then npm test)' },
  'npm test': { reason: 'runs this suite', coveredBy: '.ci/run' },
  'npm run build': { reason: 'rebuilds dist/ while other suites read it; npm test has just run it', coveredBy: 'npm test (turbo run build, then the suite)' },
  'npm start': {
    reason: 'test/demo.test.ts runs it; a second run would build dist/ again while other suites read it',
    coveredBy: 'test/demo.test.ts: npm start runs the demo (on free ports via PORT and UPSTREAM_PORT; it checks the printed Inspector command)',
  },
  'npx @modelcontextprotocol/inspector --transport http --server-url http://127.0.0.1:8080/mcp': {
    reason: 'downloads the MCP Inspector and serves a web UI for a person to click through',
    coveredBy: 'test/demo.test.ts (npm start prints this command; an MCP SDK client at that URL sees the demo policy applied)',
  },
  'PORT=9000 UPSTREAM_PORT=4001 npm start': {
    reason: 'npm start builds dist/ again while other suites read it',
    coveredBy: 'test/demo.test.ts: npm start on other ports through PORT and UPSTREAM_PORT, and a taken port named in one line',
  },

  // Installing from packed tarballs: each compiles re2 (about a minute).
  'packs="$(mktemp -d)"': { reason: 'the first line of an install from packed tarballs', coveredBy: 'test/packaging/install.test.ts (slow tier): runs README\'s Install block as printed, npm\'s global prefix in a scratch directory' },
  'npm pack --workspaces --pack-destination "$packs"': { reason: PACK, coveredBy: 'test/packaging/install.test.ts (slow tier); test/packaging/systemd.test.ts (slow tier)' },
  'npm install -g --allow-scripts=re2 "$packs"/*.tgz': { reason: `${PACK}, into npm's global prefix`, coveredBy: 'test/packaging/install.test.ts (slow tier): the block as printed, with the global prefix in a scratch directory' },
  'npm install -g --prefix /usr --allow-scripts=re2 "$packs"/*.tgz': { reason: `${PACK}, into /usr`, coveredBy: SYSTEMD_INSTALL },
  'mkdir -p /tmp/mcpgw-packs': { reason: 'the first line of the package READMEs\' install blocks', coveredBy: LIBRARY_INSTALL },
  'npm pack --workspace @mcpgw/core --pack-destination /tmp/mcpgw-packs': { reason: PACK, coveredBy: LIBRARY_INSTALL },
  'npm pkg set allowScripts.re2=true --json': { reason: "edits the consuming project's package.json", coveredBy: LIBRARY_INSTALL },
  'npm install /tmp/mcpgw-packs/mcpgw-core-0.1.0.tgz': { reason: PACK, coveredBy: LIBRARY_INSTALL },
  'npm pack --workspace @mcpgw/core --workspace @mcpgw/express --pack-destination /tmp/mcpgw-packs': { reason: PACK, coveredBy: LIBRARY_INSTALL },
  'npm install /tmp/mcpgw-packs/mcpgw-core-0.1.0.tgz /tmp/mcpgw-packs/mcpgw-express-0.1.0.tgz express@5': { reason: PACK, coveredBy: LIBRARY_INSTALL },

  // Operating a packaged install.
  'cd /var/log/mcpgw': { reason: "the packaged install's log directory", coveredBy: `${TESTS.auditInOrder} (the next line, run in the test's audit directory)` },
  '$EDITOR /etc/mcpgw/mcpgw.yaml': { reason: 'an interactive editor on a system path', coveredBy: `${TESTS.quickStart} (edits the config, then reloads); test/daemon/reload.test.ts` },
  'docker kill --signal=HUP mcpgw': { reason: DOCKER, coveredBy: LIFECYCLE_PID1 },
  'systemctl kill --signal=HUP mcpgw.service': { reason: SYSTEMD, coveredBy: `${TESTS.quickStart} (the same SIGHUP to the same process); ${UNIT}` },
  'useradd --system --user-group --no-create-home --shell /usr/sbin/nologin mcpgw': { reason: SYSTEMD, coveredBy: SYSTEMD_INSTALL },
  'install -d -m 755 /etc/mcpgw': { reason: SYSTEMD, coveredBy: SYSTEMD_INSTALL },
  'install -m 644 packaging/systemd/mcpgw.yaml /etc/mcpgw/mcpgw.yaml': { reason: SYSTEMD, coveredBy: SYSTEMD_INSTALL },
  'install -m 644 packaging/systemd/mcpgw.service /etc/systemd/system/mcpgw.service': { reason: SYSTEMD, coveredBy: SYSTEMD_INSTALL },
  'systemd-analyze verify mcpgw.service': { reason: 'verifies the unit installed in /etc/systemd/system by the lines before it', coveredBy: SYSTEMD_INSTALL },
  'systemctl daemon-reload && systemctl enable --now mcpgw.service': { reason: SYSTEMD, coveredBy: UNIT },
  'journalctl -u mcpgw -f': { reason: SYSTEMD, coveredBy: `${TESTS.quickStart} (the log lines)` },
  'docker build -t mcpgw .': { reason: DOCKER, coveredBy: DOCKERFILE },
  'mkdir -p config && cp packaging/docker/mcpgw.yaml config/mcpgw.yaml': { reason: 'prepares the docker run below, in the current directory', coveredBy: `${DOCKERFILE} (the config it copies validates)` },
  'docker run -d --name mcpgw -p 8080:8080 --add-host=host.docker.internal:host-gateway -v "$PWD/config:/etc/mcpgw:ro" -v mcpgw-audit:/var/log/mcpgw mcpgw': {
    reason: DOCKER,
    coveredBy: `${DOCKERFILE} (the config directory mounted, not the file); ${LIFECYCLE_PID1}`,
  },
  'docker stop -t 40 mcpgw': { reason: DOCKER, coveredBy: LIFECYCLE_PID1 },

  // Benchmarks: each script's smoke run is run (slow tier); the measurements are not.
  'npm run bench': { reason: `${BENCH} several minutes`, coveredBy: TESTS.benchSmoke },
  'npm run bench -- core': { reason: `${BENCH} about 30 s`, coveredBy: TESTS.benchSmoke },
  'node bench/core.mjs': { reason: `${BENCH} about 30 s`, coveredBy: TESTS.benchSmoke },
  'node bench/core.mjs --only redaction': { reason: `${BENCH} about 15 s`, coveredBy: TESTS.benchSmoke },
  'node bench/core.mjs --quick': { reason: 'the same run as node bench/run.mjs core -- --quick, which is run', coveredBy: TESTS.benchSmoke },
  'node bench/core.mjs --iterations 500000 --max-seconds 60': { reason: `${BENCH} up to a minute per measure`, coveredBy: TESTS.benchSmoke },
  'npm run bench -- http': { reason: `${BENCH} about 2 min`, coveredBy: TESTS.benchSmoke },
  'node bench/http.mjs --rounds 5': { reason: `${BENCH} about 3 min`, coveredBy: TESTS.benchSmoke },
  'node bench/stdio.mjs': { reason: `${BENCH} about 10 s`, coveredBy: TESTS.benchSmoke },
  'node bench/telemetry.mjs': { reason: `${BENCH} about 1 min`, coveredBy: TESTS.benchSmoke },
  'node bench/stdio.mjs --calls 5000 --rounds 5 --concurrency 1,16,64': { reason: `${BENCH} about 40 s`, coveredBy: TESTS.benchSmoke },
  'pkill -HUP -f "mcpgw stdio --config /path/mcpgw.yaml"': {
    reason: 'needs an MCP client running mcpgw stdio with that config path; pkill would also signal any other mcpgw stdio of this host',
    coveredBy: 'test/stdio/reload.test.ts: SIGHUP to mcpgw stdio mid-call reloads, and the call in flight keeps its generation',
  },
  'npm run bench -- reload': { reason: `${BENCH} about 1 min`, coveredBy: `${TESTS.benchList}; test/soak (reloads under load)` },
  'node bench/reload.mjs --rounds 3': { reason: `${BENCH} about 2 min`, coveredBy: `${TESTS.benchList}; test/soak (reloads under load)` },
  'node bench/reload.mjs --kind patterns': { reason: `${BENCH} about 2 min`, coveredBy: `${TESTS.benchList}; test/soak (reloads under load)` },
  'MCPGW_BENCH_DAEMON_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof" node bench/reload.mjs': { reason: `${BENCH} about 1 min, and profiles`, coveredBy: `${TESTS.benchList}; test/soak (reloads under load)` },
  'npm run bench -- sse': { reason: `${BENCH} about 25 s`, coveredBy: TESTS.benchSmoke },
  'node bench/sse.mjs --sizes-mib 1,8,32 --event-bytes 16384 --rounds 5': { reason: `${BENCH} about a minute`, coveredBy: TESTS.benchSmoke },
  'npm run bench -- audit': { reason: `${BENCH} about 30 s`, coveredBy: `${TESTS.benchList}; test/daemon/audit.test.ts` },
  'node bench/audit.mjs --writes 100000 --rounds 5': { reason: `${BENCH} about 30 s`, coveredBy: `${TESTS.benchList}; test/daemon/audit.test.ts` },
};
