// Scrapes share renders: at most one render of the page runs at a time, and a page just made
// answers the scrapes that come within reuseMs of it, then is let go (a 20,000 x 10 page is
// 180 MB, not to be kept between scrapes). Two Prometheus servers scraping together, or a
// scraper hammering /metrics, then cost one table read and one page in memory, not one each.
import type { MetricsPage } from './agent-metrics';

/** How long a page made answers later scrapes: far below any scrape interval. */
export const PAGE_REUSE_MS = 1000;

export function shareRenders(render: () => Promise<MetricsPage>, reuseMs = PAGE_REUSE_MS): () => Promise<MetricsPage> {
  let running: Promise<MetricsPage> | undefined;
  let fresh: MetricsPage | undefined;
  return () => {
    if (fresh) return Promise.resolve(fresh);
    running ??= render()
      .then((page) => {
        fresh = page;
        setTimeout(() => { fresh = undefined; }, reuseMs).unref();
        return page;
      })
      .finally(() => { running = undefined; });
    return running;
  };
}
