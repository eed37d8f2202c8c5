/** One answer to a scrape from the registries of every thread of the process. */
import { AggregatorRegistry, Registry, type MetricObjectWithValues, type MetricValue } from 'prom-client';

export type RegistryJson = MetricObjectWithValues<MetricValue<string>>[];

export const METRICS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

/** Counters and histograms of the same name and labels add up; gauges take the aggregator they declare. */
export async function scrapeText(threads: RegistryJson[]): Promise<string> {
  return AggregatorRegistry.aggregate(threads).metrics();
}
