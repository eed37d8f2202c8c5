/**
 * Store operation latency: one histogram labelled by the operation's name (the store contract's method
 * names, a fixed set of a few dozen), observed around each call of the store the process uses.
 */
import { Histogram, type Registry } from 'prom-client';

const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function storeTiming(registry: Registry): (operation: string, seconds: number) => void {
  const histogram = new Histogram({
    name: 'opendip_store_operation_seconds',
    help: 'Time a store operation took, by operation (the store contract’s method name)',
    labelNames: ['operation'],
    buckets: BUCKETS,
    registers: [registry],
  });
  return (operation, seconds) => histogram.observe({ operation }, seconds);
}
