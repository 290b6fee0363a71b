import { createHook } from 'node:async_hooks';

let pinned: object | null = null;

/**
 * Keeps one of Node's own `process.nextTick` records alive for the life of the process, so that the
 * hidden classes ("maps") V8 gives those records are never collected.
 *
 * Why: Node builds each record with an object literal keyed by two symbols
 * (`{ [async_id_symbol]: ..., [trigger_async_id_symbol]: ..., callback, args }`), and records
 * live for a moment only. After a full garbage collection that runs while no record is alive (any
 * server has them now and then: the old generation grows, or V8's memory reducer finds it quiet),
 * V8's feedback for that literal is megamorphic for good, and every `nextTick` (a dozen or more
 * per HTTP request, inside Node's streams) defines its keys through the V8 runtime: ~35,000 more
 * instructions per request, a quarter to a third of a request's cost, on Node 20 and Node 24 alike
 * (bench/count-instructions.ts with COUNT_GC=1). With one record alive, it does not happen. As far
 * as V8's source tells, the hidden class a record reaches by its first key hangs on a weak
 * transition, so the collection frees it, and the next record's new class is a second one for
 * feedback that accepts only one.
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
