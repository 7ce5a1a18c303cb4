import { describe, expect, it } from 'vitest';
import { allModules, moduleTree, stagesAndBlocks } from '../../src/graph/module-tree';

const named = (names: string[]) => names.map((name) => ({ id: name.replace(/\./g, '_'), name }));

const RESNET = named(['input', 'conv1', 'maxpool', 'layer1.0.conv1', 'layer1.0.conv2', 'layer1.0.downsample.0',
  'layer1.0.add', 'layer1.1.conv1', 'layer1.1.add', 'layer2.0.conv1', 'layer2.0.add', 'layer2.1.conv1', 'fc', 'output']);
const DENSENET = named(['input', 'features.conv0', 'features.pool0', 'features.denseblock1.denselayer1.cat',
  'features.denseblock1.denselayer1.conv1', 'features.denseblock1.denselayer2.cat', 'features.denseblock1.denselayer2.conv1',
  'features.transition1.conv', 'features.transition1.pool', 'features.denseblock2.denselayer1.conv1',
  'features.denseblock2.denselayer1.conv2', 'features.denseblock2.denselayer2.conv1', 'classifier', 'output']);

describe('moduleTree', () => {
  it('groups layers under their module paths, in graph order, and lists every layer once', () => {
    const root = moduleTree(RESNET);
    expect(root.layers).toEqual(RESNET.map((n) => n.id));
    const labels = root.children.map((c) => (c.kind === 'module' ? `[${c.label}]` : c.name));
    expect(labels).toEqual(['input', 'conv1', 'maxpool', '[layer1]', '[layer2]', 'fc', 'output']);
    const layer1 = root.children[3];
    expect(layer1.kind === 'module' && layer1.children.map((c) => (c.kind === 'module' ? c.path : c.name)))
      .toEqual(['layer1.0', 'layer1.1']);
    const leaves = allModules(root).flatMap((m) => m.children.filter((c) => c.kind === 'layer').map((c) => c.id));
    expect(leaves.sort()).toEqual(RESNET.map((n) => n.id).sort());
  });

  it('folds single-child modules: a one-layer module is that layer, a chain of modules reads as one path', () => {
    const root = moduleTree(named(['input', 'conv1.conv', 'a.b.c1', 'a.b.c2', 'output']));
    expect(root.children.map((c) => (c.kind === 'module' ? `[${c.label}]` : c.name)))
      .toEqual(['input', 'conv1.conv', '[a.b]', 'output']);
  });
});

describe('stagesAndBlocks', () => {
  it('ResNet: layer1, layer2 are stages, layer1.0 and layer1.1 blocks', () => {
    const { stages, blocks } = stagesAndBlocks(moduleTree(RESNET));
    expect(stages.map((s) => s.path)).toEqual(['layer1', 'layer2']);
    expect(blocks.map((b) => b.path)).toEqual(['layer1.0', 'layer1.1', 'layer2.0']);
  });

  it('DenseNet: looks through "features" (most of the network) to denseblocks and transitions', () => {
    const { stages, blocks } = stagesAndBlocks(moduleTree(DENSENET));
    expect(stages.map((s) => s.path)).toEqual(['features.denseblock1', 'features.transition1', 'features.denseblock2']);
    expect(blocks.map((b) => b.path)).toEqual(['features.denseblock1.denselayer1', 'features.denseblock1.denselayer2',
      'features.denseblock2.denselayer1']);
  });
});
