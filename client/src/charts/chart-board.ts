import { Group } from 'three';
import type { ApiClient } from '../api/client';
import type { AnalysisRequest } from '../api/types';
import type { Interactive } from '../input/interaction';
import type { CanvasPanel } from '../scene/canvas-panel';
import type { LayerPanel } from '../scene/layer-panel';
import { formatValue } from '../scene/text';
import { runAnalysis } from './analysis-jobs';
import { createBarChart } from './bar-chart';
import type { BarChart } from './bar-chart';
import { createBoardCard } from './board-card';
import type { BoardCard, Thumbnail } from './board-card';
import {
  cumulatedChart, deadChart, embeddingChart, pcaChart, rankingChart,
} from './chart-data';
import type { DeadLayer, Embedding, FilterHealth, PcaLayer, StatsLayer } from './chart-data';
import { createChartFrame } from './chart-frame';
import type { ChartFrame } from './chart-frame';
import type { ChartHints } from './chart-hints';
import type { Selection, SelectionChange } from './linked-selection';
import { createScatterChart } from './scatter-chart';
import type { ScatterChart } from './scatter-chart';

export type ChartName = 'ranking' | 'cumulated' | 'dead' | 'pca' | 'tsne';
export type AnyChart = BarChart | ScatterChart;

/** What the board needs from the app (kept narrow so the board stays testable and free of the app's state). */
export interface BoardHost {
  api: ApiClient;
  hints: ChartHints;
  /** a chart or the card changed: repaint this canvas before the next frame and draw the frame */
  repaintSoon(panel?: CanvasPanel): void;
  select(change: SelectionChange, origin: string): void;
  selection(): Selection;
  register(object: Group['children'][number], interactive: Interactive): void;
  unregister(object: Group['children'][number]): void;
  /** the dataset the thumbnails come from */
  dataset: { id: string } | null;
  pickUp(item: number, label: string, image: ImageBitmap | null): void;
  /** DeconvNet focus of these filters of the layer on the network's current input, drawn on the input canvas */
  focus(layer: string, filters: number[]): Promise<string>;
  download(url: string, filename: string): void;
  reportError(err: unknown): void;
}

export interface ChartBoard {
  readonly nid: string;
  readonly lid: string;
  readonly object: Group;
  readonly charts: Map<ChartName, AnyChart>;
  readonly card: BoardCard;
  readonly thumbnails: readonly Thumbnail[];
  /** analysis job of each chart (its PNG, CSV and JSON exports) */
  readonly jobs: Map<ChartName, string>;
  /** resolves when every analysis of the board has been drawn (or failed, with its message on its chart) */
  readonly ready: Promise<void>;
  applySelection(selection: Selection): void;
  dispose(): void;
}

const CHART = { width: 1.1, height: 0.78 };
const GAP = 0.07;
const PLACES: Record<ChartName | 'card', [number, number]> = {
  ranking: [0, 0], cumulated: [1, 0], dead: [2, 0], pca: [0, 1], tsne: [1, 1], card: [2, 1],
};
const ANALYSIS: Record<ChartName, AnalysisRequest['what']> = { ranking: 'stats', cumulated: 'stats', dead: 'dead', pca: 'pca', tsne: 'tsne' };
export const BOARD_SIZE = { width: 3 * CHART.width + 2 * GAP, height: 2 * CHART.height + GAP };

/**
 * The ConvViz charts of one layer, side by side on one board in the scene: ranking and cumulated maxima (stats),
 * dead filters, PCA of the filters (conv layers), t-SNE of the inputs, and the card. Each chart appears when its
 * analysis job is done; every chart and the layer's panel show the same selection.
 */
export function createChartBoard(host: BoardHost, nid: string, panel: LayerPanel, inputs: number): ChartBoard {
  const lid = panel.node.id;
  const object = new Group();
  object.name = `charts:${lid}`;
  const charts = new Map<ChartName, AnyChart>();
  const frames = new Map<ChartName, ChartFrame>();
  const jobs = new Map<ChartName, string>();
  const card = createBoardCard(CHART.width, CHART.height, host.repaintSoon);
  let thumbnails: Thumbnail[] = [];
  let picked: FilterHealth | null = null;
  let dead: DeadLayer | null = null;
  let exportChart: ChartName | null = null;
  const classNames = new Map<number, string>();
  let focusNote = '';
  let disposed = false;
  const place = (mesh: Group['children'][number], [col, row]: [number, number]) => {
    mesh.position.set((col - 1) * (CHART.width + GAP), (0.5 - row) * (CHART.height + GAP), 0);
    object.add(mesh);
  };
  const isConv = panel.node.kind === 'conv';
  const names: ChartName[] = isConv ? ['ranking', 'cumulated', 'dead', 'pca', 'tsne'] : ['ranking', 'cumulated', 'tsne'];
  for (const name of names) {
    const frame = createChartFrame(name, CHART.width, CHART.height, host.repaintSoon);
    frame.setStatus('waiting for the analysis…');
    frames.set(name, frame);
    place(frame.object, PLACES[name]);
  }
  place(card.panel.mesh, PLACES.card);

  const pickFilters = (name: ChartName) => (keys: number[]) => {
    exportChart = name;
    if (name === 'dead' && dead && keys.length === 1) picked = dead.filters.find((f) => f.channel === keys[0]) ?? null;
    host.select({ layer: lid, filters: keys }, `chart:${name}`);
  };
  const pickInputs = (keys: number[]) => {
    exportChart = 'tsne';
    host.select({ inputs: keys }, 'chart:tsne');
  };
  const install = (name: ChartName, chart: AnyChart) => {
    if (disposed) return chart.dispose();
    charts.set(name, chart);
    chart.frame.setStatus('');
    chart.frame.setAxes(chart.spec.title, chart.spec.x, chart.spec.y, 'legend' in chart.spec ? chart.spec.legend : 'orange: selected');
    const base = chart.interactive;
    host.register(chart.frame.object, {
      ...base,
      hover(hit) {
        base.hover?.(hit);
        card.setExportTarget(exportName(name, lid));
        exportChart = name;
      },
    });
    board.applySelection(host.selection());
  };
  const fail = (names: ChartName[]) => (err: unknown) => {
    for (const name of names) frames.get(name)?.setStatus(`failed: ${err instanceof Error ? err.message : String(err)}`);
    host.reportError(err);
  };
  const progress = (names: ChartName[]) => (text: string) => names.forEach((n) => frames.get(n)?.setStatus(text));

  const load = async () => {
    const stats = await runAnalysis<StatsLayer>(host.api, nid, { what: 'stats', layers: [lid], n: Math.min(20, inputs) }, lid,
      progress(['ranking', 'cumulated'])).catch(fail(['ranking', 'cumulated']));
    if (stats) {
      ['ranking', 'cumulated'].forEach((n) => jobs.set(n as ChartName, stats.job));
      install('ranking', createBarChart(frames.get('ranking')!, rankingChart(stats.data), host.hints, pickFilters('ranking')));
      install('cumulated', createBarChart(frames.get('cumulated')!, cumulatedChart(stats.data), host.hints, pickFilters('cumulated')));
    }
    if (isConv) {
      const pca = await runAnalysis<PcaLayer>(host.api, nid, { what: 'pca', layers: [lid] }, lid, progress(['pca'])).catch(fail(['pca']));
      if (pca) {
        jobs.set('pca', pca.job);
        const spec = pcaChart(pca.data, stats?.data ?? null);
        install('pca', createScatterChart(frames.get('pca')!, spec, host.hints, pickFilters('pca'), (i) => [`filter ${spec.keys[i]}`, 'click: select · drag: lasso']));
      }
      const health = await runAnalysis<DeadLayer>(host.api, nid, { what: 'dead', layers: [lid], n: Math.min(20, inputs) }, lid,
        progress(['dead'])).catch(fail(['dead']));
      if (health) {
        dead = health.data;
        jobs.set('dead', health.job);
        install('dead', createScatterChart(frames.get('dead')!, deadChart(health.data), host.hints, pickFilters('dead'),
          (i) => describeFilter(health.data.filters[i])));
      }
    }
    const emb = await runAnalysis<Embedding>(host.api, nid, { what: 'tsne', layers: [lid], n: Math.min(500, inputs) }, lid,
      progress(['tsne'])).catch(fail(['tsne']));
    if (emb) {
      jobs.set('tsne', emb.job);
      emb.data.points.forEach((p) => p.class_name && classNames.set(p.item, p.class_name));
      const spec = embeddingChart(emb.data);
      install('tsne', createScatterChart(frames.get('tsne')!, spec, host.hints, pickInputs, (i) => {
        const p = emb.data.points[i];
        return [`input #${p.item}${p.class_name ? ` · ${p.class_name}` : ''}`, `dominant channel ${p.dominant_channel}`, 'click: select · drag: lasso'];
      }, 0.02));
    }
  };

  const cardInteractive: Interactive = {
    hover: (hit) => card.setHover(hit.uv ? card.targetAt(hit.uv.x, hit.uv.y) : null),
    hoverEnd: () => card.setHover(null),
    select(hit) {
      const t = hit.uv ? card.targetAt(hit.uv.x, hit.uv.y) : null;
      if (t?.kind === 'focus') {
        const filters = [...host.selection().filters];
        if (host.selection().layer !== lid || !filters.length) {
          focusNote = 'select filters on a chart or the panel first';
          board.applySelection(host.selection());
          return;
        }
        focusNote = `focus of ${filters.length} filters: running…`;
        board.applySelection(host.selection());
        host.focus(lid, filters).then((note) => {
          focusNote = note;
          board.applySelection(host.selection());
        }, host.reportError);
      } else if (t?.kind === 'thumbnail') {
        const thumb = thumbnails[t.index];
        if (thumb) host.pickUp(thumb.item, thumb.label, thumb.image);
      } else if (t?.kind === 'export' && exportChart) {
        const job = jobs.get(exportChart);
        if (!job) return;
        const kind = t.format === 'png' ? 'chart.png' : t.format === 'csv' ? 'table.csv' : 'data';
        const layer = exportChart === 'tsne' ? undefined : lid;
        host.download(host.api.analysisExportUrl(nid, job, kind, layer), `${exportName(exportChart, lid)}.${t.format}`);
      }
    },
  };
  host.register(card.panel.mesh, cardInteractive);

  const showThumbnails = (items: number[]) => {
    const chosen = items.slice(0, 6);
    thumbnails = chosen.map((item) => ({ item, label: classNames.get(item) ? `${classNames.get(item)} #${item}` : `#${item}`, image: null }));
    card.setThumbnails(thumbnails);
    const mine = thumbnails;
    const ds = host.dataset;
    if (!ds) return;
    mine.forEach((t) => host.api.image(host.api.datasetImageUrl(ds.id, t.item), `load input ${t.item}`).then((image) => {
      if (thumbnails !== mine || disposed) return;
      t.image = image;
      card.setThumbnails(thumbnails);
    }, host.reportError));
  };

  let shownInputs: ReadonlySet<number> = new Set();
  const board: ChartBoard = {
    nid, lid, object, charts, card, jobs,
    get thumbnails() {
      return thumbnails;
    },
    get ready() {
      return ready;
    },
    applySelection(selection) {
      const filters = selection.layer === lid ? selection.filters : new Set<number>();
      for (const chart of charts.values()) chart.highlight(chart.spec && 'keyKind' in chart.spec && chart.spec.keyKind === 'input' ? selection.inputs : filters);
      if (selection.inputs !== shownInputs) {
        shownInputs = selection.inputs;
        showThumbnails([...selection.inputs]);
      }
      if (picked && !filters.has(picked.channel)) picked = null;
      const lines = cardLines(filters, picked, selection.inputs.size);
      card.setText(`${panel.node.name}: ${filters.size} filters, ${selection.inputs.size} inputs`, focusNote ? [focusNote, ...lines] : lines);
      host.repaintSoon();
    },
    dispose() {
      disposed = true;
      for (const frame of frames.values()) {
        host.unregister(frame.object);
        frame.dispose();
      }
      charts.forEach((c) => c.dispose());
      host.unregister(card.panel.mesh);
      card.panel.dispose();
      object.removeFromParent();
    },
  };
  const ready = load().catch(host.reportError);
  return board;
}

function exportName(chart: ChartName, lid: string): string {
  return `${ANALYSIS[chart]}-${lid}`;
}

function describeFilter(f: FilterHealth): string[] {
  return [`filter ${f.channel}${f.dead ? '  ·  DEAD' : ''}`, `bias ${formatValue(f.bias)}  ·  ${f.negative_pct.toFixed(0)}% negative weights`,
    `energy ${formatValue(f.energy)}  ·  max activation ${formatValue(f.max_activation)}`, ...(f.dead ? [f.reason] : [])];
}

function cardLines(filters: ReadonlySet<number>, picked: FilterHealth | null, inputs: number): string[] {
  const list = [...filters].sort((a, b) => a - b);
  const lines = list.length ? [`filters: ${list.slice(0, 24).join(', ')}${list.length > 24 ? ' …' : ''}`] : ['click or drag on a chart, or click a map on the panel'];
  if (picked) lines.push(...describeFilter(picked));
  if (!inputs) lines.push('lasso a cluster on the t-SNE to see its inputs below');
  return lines;
}

