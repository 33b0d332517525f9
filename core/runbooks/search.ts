import MiniSearch from 'minisearch';
import type { RunbookPage } from './page.ts';

/**
 * Full-text search over runbooks with MiniSearch (a maintained, dependency-free, typed search
 * library: prefix and fuzzy matching, per-field boosts). Fields: title, symptoms, alert ids,
 * services and the Problem text. Alert ids are also split on `-`, so "pool" finds
 * `db-connections-exhausted` through its symptom and "bounce" through `deliverability-domain-red`'s page.
 */
export interface SearchHit {
  id: string;
  title: string;
  score: number;
  /** Terms of the query that matched. */
  terms: string[];
}

interface Doc {
  id: string;
  title: string;
  symptoms: string;
  alerts: string;
  services: string;
  problem: string;
}

export function createRunbookSearch(pages: readonly RunbookPage[]) {
  const search = new MiniSearch<Doc>({
    fields: ['title', 'symptoms', 'alerts', 'services', 'problem'],
    storeFields: ['title'],
    // Alert ids and symptoms split on dashes too: `db-connections-exhausted` → db, connections…
    tokenize: (text) =>
      text
        .toLowerCase()
        .split(/[^a-z0-9]+/)
        .filter(Boolean),
    searchOptions: {
      boost: { title: 3, symptoms: 3, alerts: 2, services: 1, problem: 1 },
      prefix: true,
      fuzzy: 0.2,
      combineWith: 'OR',
    },
  });
  search.addAll(
    pages.map((p) => ({
      id: p.id,
      title: p.title,
      symptoms: p.symptoms.join(' · '),
      alerts: p.alerts.join(' '),
      services: p.services.join(' '),
      problem: p.sections.Problem ?? '',
    })),
  );
  return {
    search(query: string, limit = 5): SearchHit[] {
      return search
        .search(query)
        .slice(0, limit)
        .map((r) => ({ id: String(r.id), title: String(r.title), score: r.score, terms: r.terms }));
    },
  };
}
