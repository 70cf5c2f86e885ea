import type { AgentMetrics } from '../../../agent/metrics/agent-metrics';

/** One scrape's page as the text a scraper reads. */
export async function pageText(metrics: Pick<AgentMetrics, 'render'>): Promise<string> {
  const page = await metrics.render();
  const text = Buffer.concat(page.chunks).toString('utf8');
  if (Buffer.byteLength(text) !== page.bytes) throw new Error(`page says ${page.bytes} bytes, has ${Buffer.byteLength(text)}`);
  return text;
}
