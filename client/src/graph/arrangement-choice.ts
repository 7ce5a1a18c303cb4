// Which arrangement the user chose per network, in the page URL: `?layout=wrap` (every network) or
// `?layout=n0:conveyor,n1:wrap`. Kept in the URL so a reload (and a shared link) keeps the choice.
import type { Arrangement } from '../api/types';

const CHOICES: readonly string[] = ['auto', 'conveyor', 'wrap'];

/** the arrangement chosen for a network, or undefined (the server's --layout) */
export function arrangementOf(search: string, nid: string): Arrangement | undefined {
  const value = new URLSearchParams(search).get('layout');
  if (!value) return undefined;
  const parts = value.split(',').map((p) => p.split(':'));
  const chosen = parts.find((p) => p.length === 2 && p[0] === nid)?.[1] ?? parts.find((p) => p.length === 1)?.[0];
  return chosen && CHOICES.includes(chosen) ? (chosen as Arrangement) : undefined;
}

/** the page's query with the network's arrangement set (other networks keep theirs) */
export function withArrangement(search: string, nid: string, arrangement: Arrangement, nids: readonly string[]): string {
  const params = new URLSearchParams(search);
  const each = nids.map((id) => `${id}:${id === nid ? arrangement : arrangementOf(search, id) ?? 'auto'}`);
  params.set('layout', each.join(','));
  return `?${params.toString()}`;
}
