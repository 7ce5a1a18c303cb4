import { describe, expect, it } from 'vitest';
import { arrangementOf, withArrangement } from '../../src/graph/arrangement-choice';

describe('arrangement choice in the URL', () => {
  it('reads one value for every network, or one per network', () => {
    expect(arrangementOf('?layout=wrap', 'n1')).toBe('wrap');
    expect(arrangementOf('?layout=n0:conveyor,n1:wrap', 'n1')).toBe('wrap');
    expect(arrangementOf('?layout=n0:conveyor', 'n1')).toBeUndefined();
    expect(arrangementOf('?layout=spiral', 'n0')).toBeUndefined();
    expect(arrangementOf('?aa=0', 'n0')).toBeUndefined();
  });

  it('sets one network and keeps the others and the other parameters', () => {
    const next = withArrangement('?aa=0&layout=n0:wrap', 'n1', 'conveyor', ['n0', 'n1']);
    expect(new URLSearchParams(next).get('aa')).toBe('0');
    expect(arrangementOf(next, 'n0')).toBe('wrap');
    expect(arrangementOf(next, 'n1')).toBe('conveyor');
  });
});
