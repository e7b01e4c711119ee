/**
 * `allocsoak run` feedback. On a terminal: one live line rewritten in place (variant, epoch i/N,
 * elapsed/total, current ops/s and RSS) and one permanent line per finished epoch. Elsewhere:
 * plain log lines (the logger's), nothing rewritten.
 */
import type { CampaignController, EpochFinishedEvent, EpochStartedEvent, SampleEvent } from '../campaign/index.js';
import type { EpochAnalysis } from '../domain/epoch-fields.js';
import { bytes, duration, opsPerSec, percent, signedPercent } from '../domain/format.js';
import { judgedDrift, peakRss } from '../domain/measures.js';

export interface ProgressOptions {
  out: NodeJS.WriteStream;
  epochsPerVariant: number;
}

export function attachTtyProgress(controller: CampaignController, opts: ProgressOptions): () => void {
  const { out } = opts;
  let current: EpochStartedEvent | null = null;
  let startedAtMs = 0;
  let last: SampleEvent['sample'] | null = null;

  const render = (): void => {
    if (current === null) return;
    const elapsed = Date.now() - startedAtMs;
    const slot = current.total === null ? `${current.index + 1}` : `${current.index + 1}/${current.total}`;
    const line =
      `${current.variant}  epoch ${current.round}/${opts.epochsPerVariant}  [${slot}]  ` +
      `${duration(elapsed)} of ${duration(current.planned_ms)}  ` +
      `${opsPerSec(last?.ops_per_sec)}  RSS ${bytes(last?.rss_bytes)}` +
      (current.warmup_ms > 0 && (last?.t_ms ?? 0) < current.warmup_ms ? '  (warm-up)' : '');
    const width = out.columns !== undefined && out.columns > 20 ? out.columns - 1 : 200;
    out.write(`\r\x1b[2K${line.slice(0, width)}`);
  };

  const onStart = (e: EpochStartedEvent): void => {
    current = e;
    startedAtMs = Date.now();
    last = null;
    render();
  };
  const onSample = (e: SampleEvent): void => {
    last = e.sample;
    render();
  };
  const onFinish = (e: EpochFinishedEvent): void => {
    const a = e.analysis;
    const mark = e.outcome === 'completed' ? 'ok ' : '!! ';
    const detail =
      e.outcome === 'completed'
        ? `${epochThroughput(a)}  CV ${percent(a?.throughput_cv, 2)}  ` +
          `RSS peak ${bytes(a ? peakRss(a) : null)}  ${a ? driftText(a) : 'drift –'}`
        : `${e.outcome}: ${e.reason ?? ''}`;
    out.write(`\r\x1b[2K${mark}${e.variant} epoch ${e.round}/${opts.epochsPerVariant}  ${detail}\n`);
    current = null;
  };
  // Elapsed time moves between samples too; a slow ticker (unref'd) keeps the line honest.
  const ticker = setInterval(render, 1000);
  ticker.unref();
  controller.on('epoch-started', onStart);
  controller.on('sample', onSample);
  controller.on('epoch-finished', onFinish);
  return () => {
    clearInterval(ticker);
    controller.off('epoch-started', onStart);
    controller.off('sample', onSample);
    controller.off('epoch-finished', onFinish);
    if (current !== null) out.write('\r\x1b[2K');
  };
}

/** An epoch's throughput, per CPU-second first when it has it (the basis verdicts use), wall-clock beside it. */
function epochThroughput(a: EpochAnalysis | null | undefined): string {
  if (typeof a?.throughput_cpu === 'number') return `${opsPerSec(a.throughput_cpu)} per CPU-s (${opsPerSec(a.throughput_mean)} wall)`;
  return `${opsPerSec(a?.throughput_mean)} wall`;
}

/** The judged drift, labelled (held memory; the endpoints only when held memory was not measured). */
function driftText(a: EpochAnalysis): string {
  const d = judgedDrift(a);
  return d === null ? 'drift –' : `${d.basis === 'held' ? 'held drift' : 'endpoint drift'} ${signedPercent(d.pct, 2)}`;
}
