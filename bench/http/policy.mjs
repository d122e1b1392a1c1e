/** The benchmark's policy section: one rule of each kind, and a response-side redaction. */
export const BENCH_POLICY_RULES = `policy:
  rules:
    - name: deny-shell
      action: deny
      match: { method: tools/call, tool: "^(exec|shell)$" }
    - name: limit-calls
      action: rate_limit
      match: { method: tools/call }
      limit: 100000000
      window: 1m
      key: client
    - name: redact-secrets
      action: redact
      patterns: ["AKIA[0-9A-Z]{16}", "ghp_[A-Za-z0-9]{36}"]
    - name: redact-internal
      action: redact
      direction: response
      patterns: ["internal-host-[0-9]+"]
`;
