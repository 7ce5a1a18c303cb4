// Types of the layerwalk HTTP API. Everything the server describes in its OpenAPI document is an alias of the
// generated schema (./schema.d.ts, from ./openapi.json: run scripts/gen-api-client after changing an endpoint);
// only what the document cannot describe (server-sent events, the parsed binary activation format) is written here.
import type { components, operations } from './schema';

type Schemas = components['schemas'];

export type NetworkInfo = Schemas['NetworkInfo'];
export type GraphNode = Schemas['GraphNodeOut'];
export type LayoutNode = Schemas['LayoutNode'];
export type LayoutEdge = Schemas['LayoutEdge'];
export type Layout = Schemas['Layout'];
export type NetworkGraph = Schemas['GraphResponse'];
/** how a network's layers are arranged: the server's choice (auto), one line, or columns side by side */
export type Arrangement = NonNullable<operations['getGraph']['parameters']['query']>['arrangement'] & string;

export type DatasetInfo = Schemas['DatasetInfo'];
export type DatasetItem = Schemas['DatasetItem'];
export type DatasetPage = Schemas['DatasetItems'];

export type InputSource = operations['setInput']['requestBody']['content']['application/json'];
export type Prediction = Schemas['Prediction'];
export type InputResult = Schemas['InputResponse'];
export type Classification = Schemas['ClassificationResponse'];
export type Histogram = Schemas['Histogram'];
export type LayerHistograms = Schemas['HistogramsResponse'];

export type FeatureVisRequest = Schemas['FeaturevisRequest'];
export type JobCreated = Schemas['JobCreated'];
export type Job = Schemas['JobInfo'];
export type JobState = Job['state'];
export type FeatureVisResult = Schemas['FeatureVisJobResult'];

export type AttributionMethod = Schemas['MethodInfo'];
export type AttributionRequest = Schemas['AttributionRequest'];
export type AttributionResult = Schemas['AttributionResultOut'];

export type AnalysisRequest = Schemas['AnalysisRequest'];
export type AnalysisSelection = Schemas['AnalysisSelection'];
/** the linked views' selection; also `event: selection` on /api/events */
export type SelectionState = Schemas['SelectionState'];
export type ReceptiveFields = Schemas['ReceptiveFieldsResponse'];
export type ReceptiveField = Schemas['ReceptiveFieldInfo'];
export type FlowRequest = Schemas['FlowRequest'];
export type FlowResult = Schemas['FlowResponse'];
export type FeedersResult = Schemas['FeedersResponse'];
export type AblationResult = Schemas['AblationResponse'];
/** the ablation, occlusion blocks (with their before/after) and selected channel; also `event: probing` */
export type ProbingState = Schemas['ProbingState'];

export type OcclusionBlock = Schemas['Block'];
export type ClassChange = Schemas['ClassChangeOut'];
export type OcclusionResult = Schemas['OcclusionResponse'];
export type SavedItem = Schemas['SavedItem'];
/** `event: dataset` on /api/events: an item was added to a dataset (an edited input saved) */
export type DatasetGrew = SavedItem;

/** `event: input` on /api/events: a network got a new input (server-sent events are not in the OpenAPI document). */
export type InputEvent = Pick<InputResult, 'network' | 'version' | 'source'>;

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
