import type { ParamHeaderMap } from '../jsonrpc/mirrored-headers.js';

/** `x-mcp-header` annotations learned from `tools/list` answers, per upstream and tool. */
export class ParamHeaderCache {
  readonly #byUpstream = new Map<string, Map<string, ParamHeaderMap>>();
  readonly #maxToolsPerUpstream: number;

  constructor(maxToolsPerUpstream = 10_000) {
    this.#maxToolsPerUpstream = maxToolsPerUpstream;
  }

  get(upstream: string, tool: string): ParamHeaderMap | undefined {
    return this.#byUpstream.get(upstream)?.get(tool);
  }

  set(upstream: string, tool: string, headers: ParamHeaderMap): void {
    let tools = this.#byUpstream.get(upstream);
    if (tools === undefined) this.#byUpstream.set(upstream, (tools = new Map()));
    if (!tools.has(tool) && tools.size >= this.#maxToolsPerUpstream) return;
    tools.set(tool, headers);
  }
}
