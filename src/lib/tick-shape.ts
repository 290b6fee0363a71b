import { createHook } from 'node:async_hooks';

let pinned: object | null = null;

/**
 * Keeps one of Node's own `process.nextTick` records alive for the life of the process, so that the
 * hidden classes ("maps") V8 gives those records are never collected.
 *
 * Why: Node builds each record with an object literal keyed by two symbols
 * (`{ [async_id_symbol]: ..., [trigger_async_id_symbol]: ..., callback, args }`). V8 reaches the
 * second symbol's hidden class by a transition it holds weakly, and the records live for a moment
 * only. A full garbage collection that runs while no record is alive collects that hidden class;
 * the next record gets a new one, and V8's feedback for that step of the literal, which tolerates
 * exactly one hidden class, turns megamorphic for good. From then on every `nextTick` (a dozen or
 * more per HTTP request, inside Node's streams) defines its keys through the V8 runtime:
 * ~35,000 more instructions per request, about a third of a request's cost, on Node 20 and Node 24
 * alike (bench/count-instructions.ts with COUNT_GC=1). A live record keeps the class alive, so the
 * feedback keeps its one class.
 *
 * The record is caught with an async hook enabled only around one `nextTick` of our own. Returns
 * it (null if this Node reported none, which costs only the speed above).
 */
export function pinTickObjectShape(): object | null {
  if (pinned) return pinned;
  const hook = createHook({
    init(_asyncId, type, _triggerAsyncId, resource) {
      if (type === 'TickObject') pinned ??= resource;
    },
  });
  hook.enable();
  try {
    process.nextTick(() => {});
  } finally {
    hook.disable();
  }
  return pinned;
}
