/**
 * The gauge of pauses in force (the operator API's pause routes), as the process being scraped applies
 * them: `opendip_paused{kind="ingress"}` counts paused ingress channels (one for "every channel"),
 * `kind="delivery"` paused delivery scopes (an endpoint, a recipient's endpoints on a channel, or a channel).
 */
import { Gauge, type Registry } from 'prom-client';
import { countPauses, type Pause } from '../domain/pause.js';

export function pauseGauge(registry: Registry, pauses: () => readonly Pause[]): void {
  new Gauge({
    name: 'opendip_paused',
    help: 'Pauses in force: ingress channels (kind=ingress) and delivery endpoints or channels (kind=delivery)',
    labelNames: ['kind'],
    registers: [registry],
    aggregator: 'max',
    collect() {
      const now = pauses();
      this.set({ kind: 'ingress' }, countPauses(now, 'ingress'));
      this.set({ kind: 'delivery' }, countPauses(now, 'delivery'));
    },
  });
}
