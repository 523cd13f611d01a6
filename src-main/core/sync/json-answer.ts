import { jsonNestsDeeperThan, MAX_JSON_DEPTH, valueNestsDeeperThan } from '../../../src-common/json-depth.js';

/**
 * A JSON answer the desktop reads (a relay page, Garmin's data), and whether its text nests
 * deeper than MAX_JSON_DEPTH: found by one scan of the bytes before anything walks the value
 * (parsing itself is safe at any depth; storing a record stringifies it, and that is not). Throws
 * like `response.json()` when the answer is not JSON.
 */
export async function readJsonAnswer(response: Response): Promise<{ readonly value: unknown; readonly tooDeep: boolean }> {
  return parseJsonAnswer(new Uint8Array(await response.arrayBuffer()));
}

/** `readJsonAnswer` of bytes already read (a GarminAnswer's). */
export function parseJsonAnswer(bytes: Uint8Array): { readonly value: unknown; readonly tooDeep: boolean } {
  const tooDeep = jsonNestsDeeperThan(bytes, MAX_JSON_DEPTH);
  return { value: JSON.parse(new TextDecoder().decode(bytes)) as unknown, tooDeep };
}

/**
 * The items of a list with every one nested deeper than `max` (counted from the item) replaced by
 * null, which no record schema accepts: the item is skipped and counted like any malformed record,
 * and the rest of the answer is stored. Only called when the answer's scan found it too deep.
 */
export function blankTooDeep(items: readonly unknown[], max: number): { readonly items: unknown[]; readonly blanked: number } {
  let blanked = 0;
  const out = items.map((item) => {
    if (!valueNestsDeeperThan(item, max)) return item;
    blanked++;
    return null;
  });
  return { items: out, blanked };
}
