import { parseActivations } from './activation-format';
import type {
  ActivationSet,
  Classification,
  DatasetInfo,
  DatasetPage,
  FeatureVisRequest,
  InputResult,
  InputSource,
  Job,
  LayerHistograms,
  NetworkGraph,
  NetworkInfo,
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

const enc = encodeURIComponent;

/**
 * Typed wrapper of the layerwalk HTTP API. URLs are relative to the page (`api/...`) so the client works
 * under any prefix. Every method names what it does so failures can be reported precisely.
 */
export class ApiClient {
  constructor(readonly base = 'api/') {}

  url(path: string): string {
    return this.base + path;
  }

  networks(): Promise<NetworkInfo[]> {
    return this.json('networks', 'list the networks');
  }

  graph(nid: string): Promise<NetworkGraph> {
    return this.json(`networks/${enc(nid)}/graph`, `load the graph of ${nid}`);
  }

  datasets(): Promise<DatasetInfo[]> {
    return this.json('datasets', 'list the datasets');
  }

  datasetItems(did: string, offset: number, limit: number): Promise<DatasetPage> {
    return this.json(`datasets/${enc(did)}/items?offset=${offset}&limit=${limit}`, `list items of dataset ${did}`);
  }

  datasetImageUrl(did: string, index: number): string {
    return this.url(`datasets/${enc(did)}/items/${index}/image`);
  }

  setInput(nid: string, source: InputSource): Promise<InputResult> {
    return this.json(`networks/${enc(nid)}/input`, `set the input of ${nid}`, jsonBody('POST', source));
  }

  uploadInput(nid: string, file: Blob, filename: string): Promise<InputResult> {
    const form = new FormData();
    form.append('file', file, filename);
    return this.json(`networks/${enc(nid)}/input/upload`, `upload "${filename}" to ${nid}`, { method: 'POST', body: form });
  }

  inputImageUrl(nid: string, version: number): string {
    return this.url(`networks/${enc(nid)}/input.png?v=${version}`);
  }

  async activations(nid: string): Promise<ActivationSet> {
    const res = await this.fetch(`networks/${enc(nid)}/activations`, `load the activations of ${nid}`);
    return parseActivations(await res.arrayBuffer());
  }

  classification(nid: string, top = 5): Promise<Classification> {
    return this.json(`networks/${enc(nid)}/classification?top=${top}`, `load the classification of ${nid}`);
  }

  histograms(nid: string, lid: string): Promise<LayerHistograms> {
    return this.json(`networks/${enc(nid)}/layers/${enc(lid)}/histograms`, `load the histograms of ${lid}`);
  }

  exportUrl(nid: string, lid: string): string {
    return this.url(`networks/${enc(nid)}/layers/${enc(lid)}/export`);
  }

  startFeatureVis(nid: string, lid: string, request: FeatureVisRequest): Promise<{ job: string }> {
    return this.json(
      `networks/${enc(nid)}/layers/${enc(lid)}/featurevis`,
      `start feature visualization of ${lid}`,
      jsonBody('POST', request),
    );
  }

  job(id: string): Promise<Job> {
    return this.json(`jobs/${enc(id)}`, `follow job ${id}`);
  }

  eventsUrl(): string {
    return this.url('events');
  }

  private async json<T>(path: string, what: string, init?: RequestInit): Promise<T> {
    const res = await this.fetch(path, what, init);
    return (await res.json()) as T;
  }

  private async fetch(path: string, what: string, init?: RequestInit): Promise<Response> {
    let res: Response;
    try {
      res = await fetch(this.url(path), init);
    } catch (err) {
      throw new ApiError(what, 0, 'network', 'the server is unreachable');
    }
    if (!res.ok) throw await errorFrom(res, what);
    return res;
  }
}

function jsonBody(method: string, body: unknown): RequestInit {
  return { method, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) };
}

async function errorFrom(res: Response, what: string): Promise<ApiError> {
  let code = `http_${res.status}`;
  let detail = res.statusText || 'request failed';
  try {
    const body = await res.json();
    if (body && typeof body === 'object') {
      code = String(body.error ?? code);
      detail = typeof body.detail === 'string' ? body.detail : JSON.stringify(body.detail ?? detail);
    }
  } catch {
    /* not JSON: keep the status text */
  }
  return new ApiError(what, res.status, code, detail);
}
