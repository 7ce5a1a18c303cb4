import createClient, { type Client } from 'openapi-fetch';
import { parseActivations } from './activation-format';
import type { components, paths } from './schema';
import type {
  ActivationSet,
  AnalysisRequest,
  AnalysisSelection,
  Arrangement,
  AttributionMethod,
  AttributionRequest,
  AttributionResult,
  Classification,
  DatasetInfo,
  DatasetPage,
  AblationResult,
  FeedersResult,
  FlowRequest,
  FlowResult,
  ProbingState,
  FeatureVisRequest,
  FeatureVisResult,
  InputResult,
  InputSource,
  Job,
  JobCreated,
  LayerHistograms,
  NetworkGraph,
  NetworkInfo,
  OcclusionBlock,
  OcclusionResult,
  ReceptiveFields,
  SavedItem,
  SelectionState,
} from './types';

/** A failed API call: `what` names the action in words a user understands ("load the activations of n0"). */
export class ApiError extends Error {
  constructor(
    readonly what: string,
    readonly status: number,
    readonly code: string,
    readonly detail: string,
  ) {
    super(`Could not ${what}: ${detail}${status ? ` (HTTP ${status})` : ''}`);
    this.name = 'ApiError';
  }
}

/** Every path of the OpenAPI document starts with this; `base` stands for it. */
const API_PREFIX = '/api/';

type GetPath = { [P in keyof paths]: paths[P] extends { get: { parameters: unknown } } ? P : never }[keyof paths];
type PathParams<P extends GetPath> = paths[P]['get']['parameters'] extends { path: infer T } ? T : Record<string, never>;

/** What openapi-fetch resolves to; `error` is the parsed JSON body of a failed call (or its text). */
interface Outcome<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/**
 * openapi-fetch 0.17 types response data with tuples widened to arrays (openapi-ts/openapi-typescript#2842): the
 * generated `[cols, rows]` arrives as `number[]`. Matching data against the widened form of each method's schema
 * type keeps every call checked against the document while the methods return the exact schema types.
 */
type Widened<T> = T extends readonly (infer E)[] ? Widened<E>[] : T extends object ? { [K in keyof T]: Widened<T[K]> } : T;

/**
 * Typed client of the layerwalk HTTP API, on openapi-fetch with the types generated from the server's OpenAPI
 * document (scripts/gen-api-client). URLs are relative to the page (`base` is `api/`) so the client works under
 * any prefix. Every method names what it does so failures can be reported precisely.
 */
export class ApiClient {
  private readonly http: Client<paths>;

  constructor(readonly base = 'api/') {
    this.http = createClient<paths>({ baseUrl: serverRoot(base), fetch: fetchOrUnreachable });
  }

  url(path: string): string {
    return this.base + path;
  }

  networks(): Promise<NetworkInfo[]> {
    return this.call('list the networks', this.http.GET('/api/networks'));
  }

  /** the graph and its layout; `arrangement` overrides the server's --layout for this network */
  graph(nid: string, arrangement?: Arrangement): Promise<NetworkGraph> {
    return this.call(`load the graph of ${nid}`,
      this.http.GET('/api/networks/{nid}/graph', { params: { path: { nid }, query: arrangement ? { arrangement } : {} } }));
  }

  datasets(): Promise<DatasetInfo[]> {
    return this.call('list the datasets', this.http.GET('/api/datasets'));
  }

  datasetItems(did: string, offset: number, limit: number): Promise<DatasetPage> {
    return this.call(
      `list items of dataset ${did}`,
      this.http.GET('/api/datasets/{did}/items', { params: { path: { did }, query: { offset, limit } } }),
    );
  }

  datasetImageUrl(did: string, index: number): string {
    return this.href('/api/datasets/{did}/items/{i}/image', { did, i: index });
  }

  setInput(nid: string, source: InputSource): Promise<InputResult> {
    return this.call(
      `set the input of ${nid}`,
      this.http.POST('/api/networks/{nid}/input', { params: { path: { nid } }, body: source }),
    );
  }

  uploadInput(nid: string, file: Blob, filename: string): Promise<InputResult> {
    const form = new FormData();
    form.append('file', file, filename);
    // The document types a multipart file as a string (format: binary); openapi-fetch sends FormData as it is.
    const body = form as unknown as components['schemas']['Body_uploadInput'];
    return this.call(
      `upload "${filename}" to ${nid}`,
      this.http.POST('/api/networks/{nid}/input/upload', { params: { path: { nid } }, body }),
    );
  }

  /** Occlusion blocks on the un-edited input (every block of the edit; [] restores it): new version, before/after. */
  setOcclusion(nid: string, blocks: OcclusionBlock[]): Promise<OcclusionResult> {
    return this.call(
      `apply the occlusion edit to ${nid}`,
      this.http.POST('/api/networks/{nid}/probing/occlusion', { params: { path: { nid } }, body: { blocks } }),
    );
  }

  /** Add the current (edited) input image to the network's dataset as a new item. */
  saveEditedInput(nid: string): Promise<SavedItem> {
    return this.call(
      `save the edited input of ${nid} to its dataset`,
      this.http.POST('/api/networks/{nid}/probing/occlusion/save', { params: { path: { nid } } }),
    );
  }

  inputImageUrl(nid: string, version: number): string {
    return this.href('/api/networks/{nid}/input.png', { nid }, `?v=${version}`);
  }

  async activations(nid: string): Promise<ActivationSet> {
    const buffer = await this.call<ArrayBuffer>(
      `load the activations of ${nid}`,
      this.http.GET('/api/networks/{nid}/activations', { params: { path: { nid } }, parseAs: 'arrayBuffer' }),
    );
    return parseActivations(buffer);
  }

  classification(nid: string, top = 5): Promise<Classification> {
    return this.call(
      `load the classification of ${nid}`,
      this.http.GET('/api/networks/{nid}/classification', { params: { path: { nid }, query: { top } } }),
    );
  }

  histograms(nid: string, lid: string): Promise<LayerHistograms> {
    return this.call(
      `load the histograms of ${lid}`,
      this.http.GET('/api/networks/{nid}/layers/{lid}/histograms', { params: { path: { nid, lid } } }),
    );
  }

  exportUrl(nid: string, lid: string): string {
    return this.href('/api/networks/{nid}/layers/{lid}/export', { nid, lid });
  }

  startFeatureVis(nid: string, lid: string, request: FeatureVisRequest): Promise<JobCreated> {
    return this.call(
      `start feature visualization of ${lid}`,
      this.http.POST('/api/networks/{nid}/layers/{lid}/featurevis', { params: { path: { nid, lid } }, body: request }),
    );
  }

  /** the feature visualizations the server kept (the latest per layer), to show again after a reload */
  featureVisResults(nid: string): Promise<FeatureVisResult[]> {
    return this.call(`list the feature visualizations of ${nid}`,
      this.http.GET('/api/networks/{nid}/featurevis', { params: { path: { nid } } }));
  }

  /** Start an influence job for the network's current input: which training images helped or hurt its decision. */
  startInfluence(nid: string, request: components['schemas']['InfluenceRequest']): Promise<JobCreated> {
    return this.call(
      `start the influence job of ${nid}`,
      this.http.POST('/api/networks/{nid}/influence', { params: { path: { nid } }, body: request }),
    );
  }

  attributionMethods(): Promise<AttributionMethod[]> {
    return this.call('list the attribution methods', this.http.GET('/api/attribution/methods'));
  }

  startAttribution(nid: string, request: AttributionRequest): Promise<JobCreated> {
    return this.call(
      `start the attribution of ${nid}`,
      this.http.POST('/api/networks/{nid}/attributions', { params: { path: { nid } }, body: request }),
    );
  }

  attribution(nid: string, key: string): Promise<AttributionResult> {
    return this.call(
      `load attribution ${key} of ${nid}`,
      this.http.GET('/api/networks/{nid}/attributions/{key}', { params: { path: { nid, key } } }),
    );
  }

  /** Per layer the (C, H, W) signed map of class `target`, in the binary activation format. */
  async attributionMaps(nid: string, key: string, target: number): Promise<ActivationSet> {
    const buffer = await this.call<ArrayBuffer>(
      `load the attribution maps of class ${target} of ${nid}`,
      this.http.GET('/api/networks/{nid}/attributions/{key}/maps', {
        params: { path: { nid, key }, query: { target } }, parseAs: 'arrayBuffer',
      }),
    );
    return parseActivations(buffer);
  }

  /** The input-level map of class `target` blended over the input image (PNG). */
  attributionInputUrl(nid: string, key: string, target: number): string {
    return this.href('/api/networks/{nid}/attributions/{key}/input.png', { nid, key }, `?target=${target}`);
  }

  /** Start an analysis job (stats, dead, pca, tsne, focus…) of a network; its result is served by the URLs below. */
  startAnalysis(nid: string, request: AnalysisRequest): Promise<JobCreated> {
    return this.call(
      `start the ${request.what} analysis of ${nid}`,
      this.http.POST('/api/networks/{nid}/analysis', { params: { path: { nid } }, body: request }),
    );
  }

  /** A finished analysis as JSON (one layer of it, or all); the caller knows the shape from its `what`. */
  async analysisData<T>(nid: string, job: string, layer?: string): Promise<T> {
    const data = await this.call<Record<string, unknown>>(
      `load the analysis ${job} of ${nid}`,
      this.http.GET('/api/networks/{nid}/analysis/{job}/data', { params: { path: { nid, job }, query: { layer } } }),
    );
    return data as T;
  }

  /** Download URLs of a finished analysis: its chart (PNG), table (CSV) and data (JSON). */
  analysisExportUrl(nid: string, job: string, kind: 'chart.png' | 'table.csv' | 'data', layer?: string): string {
    const query = layer === undefined ? '' : `?layer=${encodeURIComponent(layer)}`;
    if (kind === 'chart.png') return this.href('/api/networks/{nid}/analysis/{job}/chart.png', { nid, job }, query);
    if (kind === 'table.csv') return this.href('/api/networks/{nid}/analysis/{job}/table.csv', { nid, job }, query);
    return this.href('/api/networks/{nid}/analysis/{job}/data', { nid, job }, query);
  }

  receptiveFields(nid: string): Promise<ReceptiveFields> {
    return this.call(
      `load the receptive fields of ${nid}`,
      this.http.GET('/api/networks/{nid}/analysis/receptive-fields', { params: { path: { nid } } }),
    );
  }

  selection(nid: string): Promise<SelectionState> {
    return this.call(
      `load the selection of ${nid}`,
      this.http.GET('/api/networks/{nid}/analysis/selection', { params: { path: { nid } } }),
    );
  }

  setSelection(nid: string, selection: AnalysisSelection): Promise<SelectionState> {
    return this.call(
      `share the selection of ${nid}`,
      this.http.PUT('/api/networks/{nid}/analysis/selection', { params: { path: { nid } }, body: selection }),
    );
  }

  job(id: string): Promise<Job> {
    return this.call(`follow job ${id}`, this.http.GET('/api/jobs/{id}', { params: { path: { id } } }));
  }

  /** The precomputed run (`layerwalk serve --precomputed DIR`) that serves this network: dataset, k, layers. */
  precomputed(nid: string): Promise<components['schemas']['PrecomputedInfo']> {
    return this.call(
      `find precomputed dataset examples of ${nid}`,
      this.http.GET('/api/networks/{nid}/precomputed', { params: { path: { nid } } }),
    );
  }

  /** The dataset images that excite `channel` of layer `lid` most, best first (at most `limit`). */
  layerTopK(nid: string, lid: string, channel: number, limit: number): Promise<components['schemas']['TopKResponse']> {
    return this.call(
      `load the top dataset examples of ${lid} channel ${channel}`,
      this.http.GET('/api/networks/{nid}/layers/{lid}/topk', { params: { path: { nid, lid }, query: { channel, limit } } }),
    );
  }

  /** Each channel's top dataset crop as one atlas PNG (the layer's channel grid). */
  layerTopKAtlasUrl(nid: string, lid: string): string {
    return this.href('/api/networks/{nid}/layers/{lid}/topk.png', { nid, lid });
  }

  /**
   * Load and decode an image the API serves (a dataset item, a network's input); `what` names it for the error.
   * ImageBitmaps are drawn into canvases; `imageElement` is for textures (three.js flips those, not bitmaps).
   */
  async image(url: string, what: string): Promise<ImageBitmap> {
    return createImageBitmap(await this.blob(url, what));
  }

  async imageElement(url: string, what: string): Promise<HTMLImageElement> {
    const src = URL.createObjectURL(await this.blob(url, what));
    const image = new Image();
    image.src = src;
    try {
      await image.decode();
    } finally {
      URL.revokeObjectURL(src);
    }
    return image;
  }

  /** A URL the server put in a response ("/api/…"), relative to the page like `base`. */
  resolve(url: string): string {
    return url.startsWith(API_PREFIX) ? this.url(url.slice(API_PREFIX.length)) : url;
  }

  eventsUrl(): string {
    return this.href('/api/events', {});
  }

  jobEventsUrl(id: string): string {
    return this.href('/api/jobs/{id}/events', { id });
  }

  /** A GET path of the document with its `{name}` parameters filled in, relative to the page like `base`. */
  // --- activity flow, feeders, ablation (probing) and the filter view ---------------------------------------
  /** Where a channel's activity goes: exact by ablation, or the gradient × activation preview. */
  activityFlow(nid: string, request: FlowRequest): Promise<FlowResult> {
    return this.call(
      `compute the activity flow of ${request.layer} channel ${request.channel}`,
      this.http.POST('/api/networks/{nid}/probing/flow', { params: { path: { nid } }, body: request }),
    );
  }

  /** The activity flow computed last on the server (by any client). */
  lastActivityFlow(nid: string): Promise<FlowResult> {
    return this.call(`load the activity flow of ${nid}`, this.http.GET('/api/networks/{nid}/probing/flow', { params: { path: { nid } } }));
  }

  /** Which channels of the layers before feed the selected channel most. */
  channelFeeders(nid: string, request: FlowRequest): Promise<FeedersResult> {
    return this.call(
      `compute the feeders of ${request.layer} channel ${request.channel}`,
      this.http.POST('/api/networks/{nid}/probing/feeders', { params: { path: { nid } }, body: request }),
    );
  }

  lastChannelFeeders(nid: string): Promise<FeedersResult> {
    return this.call(`load the feeders of ${nid}`, this.http.GET('/api/networks/{nid}/probing/feeders', { params: { path: { nid } } }));
  }

  probingState(nid: string): Promise<ProbingState> {
    return this.call(`load the probing state of ${nid}`, this.http.GET('/api/networks/{nid}/probing', { params: { path: { nid } } }));
  }

  /** Switch off these channels ({layer: channels}, replacing the current ablation). */
  setAblation(nid: string, layers: Record<string, number[]>): Promise<AblationResult> {
    return this.call(
      `switch off channels of ${nid}`,
      this.http.PUT('/api/networks/{nid}/probing/ablation', { params: { path: { nid } }, body: { layers } }),
    );
  }

  resetAblation(nid: string): Promise<AblationResult> {
    return this.call(`switch every channel of ${nid} back on`, this.http.DELETE('/api/networks/{nid}/probing/ablation', { params: { path: { nid } } }));
  }

  /** A layer's kernels (entries weight, norms and bias) in the binary activation format. */
  async layerWeights(nid: string, lid: string): Promise<ActivationSet> {
    const buffer = await this.call<ArrayBuffer>(
      `load the weights of ${lid}`,
      this.http.GET('/api/networks/{nid}/layers/{lid}/weights', { params: { path: { nid, lid } }, parseAs: 'arrayBuffer' }),
    );
    return parseActivations(buffer);
  }

  /** A first layer's map step by step (entries kernel, convolved, biased, output), its bias and whether a batch
   * norm is folded into the "+ bias" step (response headers X-Bias, X-Batch-Norm). */
  async firstLayerConvolution(nid: string, lid: string, channel: number): Promise<{ set: ActivationSet; bias: number; batchNorm: boolean }> {
    let headers: Headers | null = null;
    const request = this.http.GET('/api/networks/{nid}/layers/{lid}/convolution', {
      params: { path: { nid, lid }, query: { channel } }, parseAs: 'arrayBuffer',
    }).then((outcome) => {
      headers = outcome.response.headers;
      return outcome;
    });
    const buffer = await this.call<ArrayBuffer>(`load the convolution of ${lid} map ${channel}`, request);
    const h = headers as Headers | null;
    return { set: parseActivations(buffer), bias: Number(h?.get('x-bias') ?? 0), batchNorm: h?.get('x-batch-norm') === '1' };
  }

  private href<P extends GetPath>(path: P, params: PathParams<P>, query = ''): string {
    const values = params as Record<string, string | number>;
    const filled = path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(values[name]));
    return this.url(filled.slice(API_PREFIX.length)) + query;
  }

  private async blob(url: string, what: string): Promise<Blob> {
    let res: Response;
    try {
      res = await fetch(url);
    } catch {
      throw new ApiError(what, 0, 'network', 'the server is unreachable');
    }
    if (!res.ok) throw errorFrom(res, await res.json().catch(() => null), what);
    return res.blob();
  }

  private async call<T>(what: string, request: Promise<Outcome<NoInfer<Widened<T>>>>): Promise<T> {
    let outcome: Outcome<Widened<T>>;
    try {
      outcome = await request;
    } catch (err) {
      if (err instanceof Unreachable) throw new ApiError(what, 0, 'network', 'the server is unreachable');
      throw err;
    }
    if (!outcome.response.ok) throw errorFrom(outcome.response, outcome.error, what);
    return outcome.data as T;
  }
}

/** Thrown by `fetchOrUnreachable` when no response arrived at all (as opposed to a body that failed to parse). */
class Unreachable extends Error {}

async function fetchOrUnreachable(request: Request): Promise<Response> {
  try {
    return await fetch(request);
  } catch {
    throw new Unreachable();
  }
}

/**
 * The URL the document's `/api/...` paths hang off: `base` (the API's URL relative to the page, ending in `api/`)
 * resolved against the page and without its `api/`. openapi-fetch concatenates strings, so it needs it absolute.
 */
function serverRoot(base: string): string {
  const api = new URL(base, document.baseURI).href;
  if (!api.endsWith(API_PREFIX)) throw new Error(`the API base must end with "${API_PREFIX.slice(1)}", not ${base}`);
  return api.slice(0, -API_PREFIX.length);
}

function errorFrom(res: Response, body: unknown, what: string): ApiError {
  let code = `http_${res.status}`;
  let detail = res.statusText || 'request failed';
  if (body && typeof body === 'object') {
    const { error, detail: text } = body as { error?: unknown; detail?: unknown };
    code = String(error ?? code);
    detail = typeof text === 'string' ? text : JSON.stringify(text ?? detail);
  }
  return new ApiError(what, res.status, code, detail);
}
