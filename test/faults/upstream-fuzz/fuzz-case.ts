import { Random } from '../random.js';
import { clientCall, type ClientCall } from './client-calls.js';
import type { PrebuiltBodies } from './prebuilt-bodies.js';
import { upstreamAnswer, type Answer } from './upstream-answers.js';

/** One fuzz case: a client request and the hostile upstream's answer to it. */
export interface FuzzCase {
  readonly index: number;
  readonly call: ClientCall;
  readonly answer: Answer;
}

/** Case `index` of the run seeded `seed`: made from (seed, index) alone, so it replays on its own. */
export function fuzzCase(seed: number, index: number, fuzzHeader: string, prebuilt: PrebuiltBodies): FuzzCase {
  const g = Random.forItem(seed, index);
  const call = clientCall(g, index, fuzzHeader);
  return { index, call, answer: upstreamAnswer(g, call, prebuilt) };
}
