/**
 * `allocsoak serve`: the REST API, /metrics and the web page over an existing database, without running
 * anything — last night's results stay reachable after the daemon has moved on (or while another
 * daemon writes to the same file: SQLite's WAL lets readers in). No lock is taken, no epoch is touched.
 */
import { CampaignController } from '../../campaign/index.js';
import { createLogger } from '../../log/index.js';
import { AllocsoakMetrics } from '../../metrics/index.js';
import { nativePaths } from '../../plan/index.js';
import { helpText, parseOrHelp, port, type OptionSpecs } from '../args.js';
import { openExistingStore } from '../database.js';
import { checkListen, LISTEN_OPTIONS, serveHttp } from '../listen.js';
import { handleShutdownSignals } from '../shutdown.js';
import { packageVersion } from '../version.js';
import { comparisonStandings } from '../../verdicts/index.js';

const OPTIONS = {
  db: { type: 'string', value: 'FILE', description: 'SQLite database written by `daemon` or `run`', required: true },
  ...LISTEN_OPTIONS,
} satisfies OptionSpecs;

export const SERVE_HELP = helpText(
  'allocsoak serve --db FILE [--host ADDRESS] [--port PORT]',
  'Serve the REST API, /metrics and the web page over an existing database, without starting a campaign\n' +
    '(read-only: POST /api/v1/campaigns and .../stop answer 403). SIGTERM/SIGINT stop it (exit 0).',
  OPTIONS,
);

export async function serveCommand(argv: readonly string[]): Promise<number> {
  const opts = parseOrHelp('serve', argv, OPTIONS, SERVE_HELP);
  if (opts === undefined) return 0;
  const listenPort = port('serve', 'port', opts.port);
  const log = createLogger();
  await checkListen('serve', opts.host, listenPort);
  const store = openExistingStore('serve', opts.db);
  // Never started: the routes and metrics that ask what runs now are told "idle".
  const controller = new CampaignController({
    store,
    launcher: nativePaths().launcher,
    log,
    standings: (id) => comparisonStandings(store, id),
  });
  const metrics = new AllocsoakMetrics({
    store,
    state: () => controller.status().state,
    onListenerError: (err, event) => log.warn({ err: (err as Error).message, event }, 'metrics listener failed'),
  });
  const server = await serveHttp(
    'serve',
    { store, controller, metrics, options: { version: packageVersion(), token: null, allowCommands: false, readOnly: true } },
    { host: opts.host, port: listenPort, log },
    () => store.close(),
  );
  log.info({ url: server.url, db: opts.db }, `allocsoak serve serving ${server.url} (read-only: no campaign is started)`);
  return await new Promise<number>((resolve) => {
    const removeHandlers = handleShutdownSignals({
      log,
      stop: async () => {
        await server.close();
        store.close();
      },
      done: (code) => {
        removeHandlers();
        resolve(code);
      },
    });
  });
}
