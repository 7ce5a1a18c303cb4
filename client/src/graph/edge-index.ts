/** Indices of the edges at each node (as source or target), so that a moved node touches only its own edges. */
export function edgesByNode(edges: readonly { from: string; to: string }[]): Map<string, number[]> {
  const at = new Map<string, number[]>();
  const add = (id: string, k: number) => {
    const list = at.get(id);
    if (list) list.push(k);
    else at.set(id, [k]);
  };
  edges.forEach((e, k) => {
    add(e.from, k);
    if (e.to !== e.from) add(e.to, k);
  });
  return at;
}
