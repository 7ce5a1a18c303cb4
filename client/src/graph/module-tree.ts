// The model's module hierarchy, read from the layer names ("layer3.1.conv2", "features.denseblock2.denselayer4.cat",
// "inception3a.branch2.0.conv"): modules → layers, for the layer tree, the stage labels and the block frames. Pure.

export interface TreeLayer {
  readonly kind: 'layer';
  readonly id: string;
  readonly name: string;
}

export interface TreeModule {
  readonly kind: 'module';
  /** module path ("layer3.1"); '' for the root */
  readonly path: string;
  /** what the tree shows: the path relative to the parent module ("1" under "layer3", "features.denseblock1") */
  readonly label: string;
  readonly children: (TreeModule | TreeLayer)[];
  /** ids of every layer under this module, in graph order */
  readonly layers: string[];
}

export type TreeItem = TreeModule | TreeLayer;

interface NamedNode {
  id: string;
  name: string;
}

/**
 * Modules → layers from dotted names: a layer sits under the module path of its name minus the last part. A
 * module with a single child is folded into it ("conv1.conv" stays one row, "features" + only "denseblock1" would
 * read "features.denseblock1"), so every module row groups at least two layers.
 */
export function moduleTree(nodes: readonly NamedNode[]): TreeModule {
  const root: MutableModule = { path: '', children: new Map(), layers: [] };
  for (const node of nodes) {
    const parts = node.name.split('.');
    let m = root;
    m.layers.push(node.id);
    for (let i = 0; i < parts.length - 1; i++) {
      const path = parts.slice(0, i + 1).join('.');
      let child = m.children.get(`m:${parts[i]}`);
      if (!child || child instanceof Array) {
        child = { path, children: new Map(), layers: [] };
        m.children.set(`m:${parts[i]}`, child);
      }
      m = child as MutableModule;
      m.layers.push(node.id);
    }
    m.children.set(`l:${node.id}`, [node.id, node.name]);
  }
  return freeze(root, '');
}

interface MutableModule {
  path: string;
  children: Map<string, MutableModule | [string, string]>;
  layers: string[];
}

function freeze(m: MutableModule, parentPath: string): TreeModule {
  const children: TreeItem[] = [];
  for (const child of m.children.values()) {
    if (child instanceof Array) children.push({ kind: 'layer', id: child[0], name: child[1] });
    else children.push(child.layers.length === 1 ? onlyLayer(child) : freeze(foldSingle(child), m.path));
  }
  const label = parentPath ? m.path.slice(parentPath.length + 1) : m.path;
  return { kind: 'module', path: m.path, label, children, layers: m.layers };
}

/** a module whose only child is a module: the child, named by the longer path */
function foldSingle(m: MutableModule): MutableModule {
  while (m.children.size === 1) {
    const only = m.children.values().next().value as MutableModule | [string, string];
    if (only instanceof Array) break;
    m = only;
  }
  return m;
}

function onlyLayer(m: MutableModule): TreeLayer {
  for (const child of m.children.values()) {
    if (child instanceof Array) return { kind: 'layer', id: child[0], name: child[1] };
    return onlyLayer(child);
  }
  throw new Error(`module ${m.path} has no layer`);
}

/** Every module of the tree, depth first (parents before children). */
export function allModules(root: TreeModule): TreeModule[] {
  const out: TreeModule[] = [];
  const walk = (m: TreeModule) => {
    out.push(m);
    for (const c of m.children) if (c.kind === 'module') walk(c);
  };
  walk(root);
  return out;
}

/**
 * The stages and blocks of a network, for the scene: wrapper modules that hold most of the network ("features",
 * "_blocks") are looked through; their sub-modules are the stages ("layer3", "denseblock2", "inception3a",
 * "_blocks.5"), and the sub-modules of a stage are its blocks ("layer3.1", "denselayer4", "inception3a.branch2").
 */
export function stagesAndBlocks(root: TreeModule): { stages: TreeModule[]; blocks: TreeModule[] } {
  const total = root.layers.length;
  const stages: TreeModule[] = [];
  const visit = (m: TreeModule) => {
    for (const c of m.children) {
      if (c.kind !== 'module') continue;
      if (c.layers.length > total / 2) visit(c);
      else stages.push(c);
    }
  };
  visit(root);
  const blocks = stages.flatMap((s) => s.children.filter((c): c is TreeModule => c.kind === 'module'));
  return { stages, blocks };
}
