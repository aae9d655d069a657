// The console's silence forms over a silence store — the same logic as `alert-triage silence add|expire`
// (silence-command.ts). Offline the store is the silence file and "now" the run's last event time; in the
// service it is the compacted ml.silences topic the incident stage reads, and "now" the wall clock.
import type { ConsoleRouteOptions as RouteOptions } from '../adapters/http/console-routes.ts';
import { type SilenceLimits, silenceState } from '../core/silences.ts';
import { describeMatchers, type SilenceStore, silenceAdd, silenceExpire } from './silence-command.ts';

export interface ConsoleSilenceDeps {
  store: SilenceStore;
  /** Epoch ms: what "in force" is measured against, and where a new silence starts. */
  now: () => number;
  /** Written as the silence's created_by. */
  user: string;
  limits: SilenceLimits;
}

export function consoleSilences(
  d: ConsoleSilenceDeps,
): Required<Pick<RouteOptions, 'silences' | 'expireSilence' | 'addSilence'>> {
  return {
    silences: async () => {
      const now = d.now();
      const latest = new Map((await d.store.all()).map((x) => [x.id, x]));
      return [...latest.values()]
        .filter((x) => silenceState(x, now) !== 'expired')
        .map((x) => ({ id: x.id, matchers: describeMatchers(x), ends_at: x.ends_at, comment: x.comment }));
    },
    expireSilence: async (id) => {
      const r = await silenceExpire([id], { store: d.store, now: d.now(), user: d.user, limits: d.limits });
      return r.code === 0
        ? { ok: true, id }
        : { ok: false, message: r.stderr.trim() || 'silence not expired' };
    },
    addSilence: async ({ matchers, duration, comment }) => {
      const now = d.now();
      const args = [
        ...matchers.flatMap((m) => ['--match', m]),
        '--duration',
        duration,
        '--comment',
        comment,
        '--starts-at',
        new Date(now).toISOString(),
      ];
      const r = await silenceAdd(args, { store: d.store, now, user: d.user, limits: d.limits });
      if (r.code !== 0) return { ok: false, message: r.stderr.trim() || 'silence not created' };
      const id = /added (\S+):/.exec(r.stderr)?.[1] ?? 'silence';
      return { ok: true, id };
    },
  };
}
