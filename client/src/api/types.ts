// Types of the layerwalk HTTP API (docs/architecture.md, "HTTP API"). Hand-written until the server's
// /openapi.json is stable enough to generate them (openapi-typescript); keep field names identical to the contract.

export interface NetworkInfo {
  id: string;
  name: string;
  spec: string;
  input_shape: number[];
  num_layers: number;
  dataset: string | null;
  class_names: string[];
  version: number;
}

export interface GraphNode {
  id: string;
  name: string;
  kind: string;
  shape: number[];
  params: number;
  module: string | null;
  precursors: string[];
  label: string;
  folded: string[];
  text: string | null;
  has_weights: boolean;
}

export interface LayoutNode {
  x: number;
  y: number;
  z: number;
  width: number;
  height: number;
  stage: number;
  lane: number;
  grid: [number, number];
}

export interface LayoutEdge {
  from: string;
  to: string;
  label: string;
  points: [number, number][];
}

export interface Layout {
  nodes: Record<string, LayoutNode>;
  edges: LayoutEdge[];
  bounds: { min: [number, number, number]; max: [number, number, number] };
  origin: [number, number];
}

export interface NetworkGraph {
  network: string;
  nodes: GraphNode[];
  total_params: number;
  detail: string;
  method: string;
  layout: Layout;
}

export interface DatasetInfo {
  id: string;
  name: string;
  spec: string;
  size: number;
  class_names: string[];
  channels: number;
}

export interface DatasetItem {
  index: number;
  label: number | null;
  class_name: string | null;
}

export interface DatasetPage {
  total: number;
  offset: number;
  items: DatasetItem[];
}

export interface Prediction {
  index: number;
  name: string;
  probability: number;
}

export type InputSource =
  | { source: 'dataset'; dataset: string; index: number }
  | { source: 'noise'; seed: number }
  | { source: 'featurevis'; layer: string; channel: number };

export interface InputResult {
  version: number;
  source: Record<string, unknown>;
  classification: Prediction[];
}

export interface Classification {
  version: number;
  predictions: Prediction[];
}

export interface Histogram {
  counts: number[];
  edges: number[];
}

export interface LayerHistograms {
  version: number;
  activation: Histogram;
  weights: Histogram | null;
}

export interface FeatureVisRequest {
  channels: number[] | null;
  steps: number | null;
  start: 'input' | 'noise';
}

export type JobState = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

export interface Job {
  id: string;
  kind: string;
  state: JobState;
  progress: number;
  eta_seconds: number | null;
  message: string | null;
  result: unknown;
}

export interface InputEvent {
  network: string;
  version: number;
  source: Record<string, unknown>;
}

/** One layer of the binary activation format, with its bytes sliced out of the data section. */
export interface LayerActivation {
  id: string;
  shape: number[];
  vmin: number;
  vmax: number;
  zero_level: number;
  data: Uint8Array;
}

export interface ActivationSet {
  network: string;
  version: number;
  layers: LayerActivation[];
}
