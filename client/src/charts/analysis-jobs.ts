import type { ApiClient } from '../api/client';
import { followJobEvents } from '../api/server-events';
import type { AnalysisRequest } from '../api/types';

export interface FinishedAnalysis<T> {
  /** the job id: its chart.png, table.csv and data URLs stay on the server for exports */
  job: string;
  data: T;
}

/**
 * Run one analysis job on the server (stats, dead, pca, tsne…), report its progress, and load its result (one layer
 * of it when `layer` is given).
 */
export async function runAnalysis<T>(api: ApiClient, nid: string, request: AnalysisRequest, layer: string | undefined,
  progress: (text: string) => void): Promise<FinishedAnalysis<T>> {
  const { job: id } = await api.startAnalysis(nid, request);
  const job = await followJobEvents(api, id, (j) =>
    progress(`${request.what}: ${j.state === 'queued' ? 'waiting for the server' : j.message || j.state} (${Math.round(j.progress * 100)}%)`));
  if (job.state !== 'done') throw new Error(`the ${request.what} analysis ${job.state}: ${job.message ?? ''}`);
  return { job: id, data: await api.analysisData<T>(nid, id, layer) };
}
