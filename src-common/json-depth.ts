/**
 * How deep JSON from outside may nest, checked before anything walks it. Parsing is safe at any
 * depth (V8's JSON.parse does not recurse), but JSON.stringify, zod's recursive schemas and any
 * recursive walk of ours overflow the stack somewhere past 3,000 levels: a few kilobytes of
 * brackets. Plain functions, no Node module: every door (the agent endpoint, MCP, IPC, relay
 * pages, the R42 server's webhook) uses the same limit and the same words.
 */

/**
 * The deepest nesting of arrays and objects accepted: far more than any real message (an MCP
 * `tools/call` is 4 deep with its arguments, a relay page with a Garmin summary about 8), far less
 * than what overflows a walk.
 */
export const MAX_JSON_DEPTH = 64;

/** What a refusal says: the limit, by number. */
export function tooDeepMessage(max: number = MAX_JSON_DEPTH): string {
  return `The JSON nests arrays and objects more than ${max} levels deep; at most ${max} are accepted.`;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const OPEN_OBJECT = 0x7b;
const CLOSE_ARRAY = 0x5d;
const CLOSE_OBJECT = 0x7d;

/**
 * Whether JSON text nests arrays and objects deeper than `max`, found by one scan of its bytes
 * (or UTF-16 units) without parsing: brackets inside strings do not count. In UTF-8 every byte of
 * a multi-byte character is 0x80 or more, so bytes can be scanned as they came off the wire.
 * Malformed JSON is left to the parser: this answers only "too deep" or not.
 */
export function jsonNestsDeeperThan(text: string | Uint8Array, max: number = MAX_JSON_DEPTH): boolean {
  return typeof text === 'string' ? textNestsDeeperThan(text, max) : bytesNestDeeperThan(text, max);
}

// Two copies of one loop, so each reads its input directly (a shared accessor halves the speed).
function bytesNestDeeperThan(bytes: Uint8Array, max: number): boolean {
  const length = bytes.length;
  let depth = 0;
  for (let i = 0; i < length; i++) {
    const c = bytes[i]!;
    if (c === QUOTE) {
      // Skip the string: to the next quote that is not escaped.
      for (i++; i < length; i++) {
        const s = bytes[i]!;
        if (s === BACKSLASH) i++;
        else if (s === QUOTE) break;
      }
    } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (++depth > max) return true;
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
      depth--;
    }
  }
  return false;
}

function textNestsDeeperThan(text: string, max: number): boolean {
  const length = text.length;
  let depth = 0;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      for (i++; i < length; i++) {
        const s = text.charCodeAt(i);
        if (s === BACKSLASH) i++;
        else if (s === QUOTE) break;
      }
    } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (++depth > max) return true;
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
      depth--;
    }
  }
  return false;
}

/**
 * Whether a value already in memory (parsed JSON, a structured clone from IPC) nests arrays and
 * objects deeper than `max`, or holds more than `maxNodes` of them. Depth first with its own
 * stack, so it never recurses, and it stops at the first path past `max`: a cyclic value counts
 * as too deep instead of being walked for ever. A structured clone can share one object many
 * times (a tree of 1,000 references to 1,000 references…): `maxNodes` bounds that walk too.
 */
export function valueNestsDeeperThan(value: unknown, max: number = MAX_JSON_DEPTH, maxNodes = Infinity): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const stack: Array<{ readonly value: object; readonly depth: number }> = [{ value, depth: 1 }];
  let nodes = 0;
  while (stack.length > 0) {
    const { value: current, depth } = stack.pop()!;
    if (depth > max || ++nodes > maxNodes) return true;
    const children: unknown[] = Array.isArray(current) ? current : Object.values(current);
    for (const child of children) {
      if (typeof child === 'object' && child !== null) stack.push({ value: child, depth: depth + 1 });
    }
  }
  return false;
}
