// Lanes and the alert stream time. A lane is an independently ordered sequence of alerts: a Kafka
// partition in the stream (an alert's partition follows its model), the single input file offline.
// Each lane keeps the highest alert event time it has read, its own dedup episodes and, when incidents
// are on, each of its models' last incident (core/incidents/routing.ts).
//
// The stream time drives every expiry (deploys, feedback memory) and releases held feedback. It may
// only pass a lane's time once nothing that lane still has to deliver can need what expiry drops:
//   - a lane whose partition is behind its end offset holds the stream time at its own time until
//     its records are read (a backlog that arrives in one burst is read partition by partition);
//   - a caught-up lane that the others have passed keeps holding for `idleMs` of wall time, then
//     lets go (Kafka Streams' max.task.idle.ms): records produced to it a moment after the others'
//     still find their context, and a quiet partition cannot stop expiry for ever.
// Scoring never waits for this: it changes when state is dropped, not when an alert is scored.
import type { DedupStore } from './dedup.ts';
import type { ModelMemoryStore } from './incidents/routing.ts';

export interface Lane {
  /** Highest alert event time read on this lane; -∞ before its first alert. */
  time: number;
  /** Whether the runtime last reported records to read on it (true until told otherwise). */
  behind: boolean;
  /** Wall time since when it has been caught up while the others are ahead of it. */
  passedSince: number | undefined;
  readonly dedup: DedupStore;
  /** Each model's last incident (stage 1 of incidents), when the step routes alerts to incidents. */
  readonly memory: ModelMemoryStore;
}

export interface LaneSnapshot {
  streamTime: number;
  lanes: [string, number, boolean, number | undefined][];
}

/**
 * The stream time at wall time `at`: at least `previous` (nothing expired comes back), at most the
 * highest lane time, and held by every lane that still holds (see above). Updates `passedSince`.
 */
export function streamTimeOf(lanes: Map<string, Lane>, previous: number, at: number, idleMs: number): number {
  let ahead = Number.NEGATIVE_INFINITY;
  for (const lane of lanes.values()) if (lane.time > ahead) ahead = lane.time;
  let t = ahead;
  for (const lane of lanes.values()) {
    if (lane.time >= ahead) {
      lane.passedSince = undefined;
      continue;
    }
    if (lane.behind) {
      lane.passedSince = undefined;
    } else {
      if (lane.passedSince === undefined) lane.passedSince = at;
      if (at - lane.passedSince >= idleMs) continue;
    }
    if (lane.time < t) t = lane.time;
  }
  return Math.max(t, previous);
}

export function snapshotLanes(lanes: Map<string, Lane>, streamTime: number): LaneSnapshot {
  return {
    streamTime,
    lanes: [...lanes].map(([id, l]) => [id, l.time, l.behind, l.passedSince]),
  };
}

export function restoreLanes(lanes: Map<string, Lane>, s: LaneSnapshot): number {
  for (const [id, time, behind, passedSince] of s.lanes) {
    const lane = lanes.get(id);
    if (!lane) continue;
    lane.time = time;
    lane.behind = behind;
    lane.passedSince = passedSince;
  }
  return s.streamTime;
}
