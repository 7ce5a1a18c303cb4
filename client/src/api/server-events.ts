import type { ApiClient } from './client';
import { ApiError } from './client';
import type { DatasetGrew, InputEvent, Job, ProbingState, SelectionState } from './types';

export interface ServerEventHandlers {
  input(event: InputEvent): void;
  job?(job: Job): void;
  /** the linked views' selection of a network changed (by any client, or from Python) */
  selection?(selection: SelectionState): void;
  /** the ablation, occlusion blocks (and their before/after) or selected channel (activity flow, feeders) changed */
  probing?(state: ProbingState): void;
  /** an item was added to a dataset (an edited input saved by some client) */
  dataset?(event: DatasetGrew): void;
  /** Called with false when the server stops answering and true when it is back. */
  connection(online: boolean): void;
}

/**
 * Follow the server's event stream (/api/events). EventSource retries by itself on dropped connections, but
 * gives up after an HTTP error, so we also poll /api/networks while offline and re-open the stream when the
 * server answers again.
 */
export function subscribeServerEvents(api: ApiClient, handlers: ServerEventHandlers, pollMs = 2000): () => void {
  let source: EventSource | null = null;
  let online = true;
  let poll: number | undefined;
  let closed = false;

  const setOnline = (value: boolean) => {
    if (value === online) return;
    online = value;
    handlers.connection(value);
    if (!value) startPolling();
  };

  const open = () => {
    source?.close();
    source = new EventSource(api.eventsUrl());
    source.onopen = () => setOnline(true);
    source.onerror = () => {
      setOnline(false);
      if (source?.readyState === EventSource.CLOSED) source = null;
    };
    source.addEventListener('input', (e) => handlers.input(JSON.parse((e as MessageEvent).data)));
    source.addEventListener('job', (e) => handlers.job?.(JSON.parse((e as MessageEvent).data)));
    source.addEventListener('selection', (e) => handlers.selection?.(JSON.parse((e as MessageEvent).data)));
    source.addEventListener('probing', (e) => handlers.probing?.(JSON.parse((e as MessageEvent).data)));
    source.addEventListener('dataset', (e) => handlers.dataset?.(JSON.parse((e as MessageEvent).data)));
  };

  const startPolling = () => {
    if (poll !== undefined) return;
    poll = window.setInterval(async () => {
      try {
        await api.networks();
      } catch {
        return;
      }
      window.clearInterval(poll);
      poll = undefined;
      if (closed) return;
      if (!source || source.readyState !== EventSource.OPEN) open();
      setOnline(true);
    }, pollMs);
  };

  open();
  return () => {
    closed = true;
    source?.close();
    if (poll !== undefined) window.clearInterval(poll);
  };
}

const ENDED: Job['state'][] = ['done', 'failed', 'cancelled'];

/**
 * Follow one job over its event stream (/api/jobs/{id}/events: the current state first, then every change) until
 * it ends; `progress` sees every state on the way. EventSource reconnects by itself after a dropped connection
 * (and the server starts again with the current state); once it gives up, the job's state is read once to tell
 * "ended meanwhile" from "gone".
 */
export function followJobEvents(api: ApiClient, id: string, progress: (job: Job) => void): Promise<Job> {
  return new Promise((resolve, reject) => {
    const source = new EventSource(api.jobEventsUrl(id));
    const finish = (job: Job) => {
      source.close();
      resolve(job);
    };
    source.addEventListener('job', (e) => {
      const job: Job = JSON.parse((e as MessageEvent).data);
      progress(job);
      if (ENDED.includes(job.state)) finish(job);
    });
    source.onerror = () => {
      if (source.readyState !== EventSource.CLOSED) return;
      api.job(id).then((job) => {
        progress(job);
        if (ENDED.includes(job.state)) finish(job);
        else reject(new ApiError(`follow job ${id}`, 0, 'network', 'its event stream closed'));
      }, reject);
    };
  });
}
