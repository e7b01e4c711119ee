/**
 * `allocsoak daemon`: the long-running soak. Runs the plan continuously (or at its cron schedule),
 * serves the HTTP API, and takes up a campaign cut by a kill -9 where it stopped.
 */
import { CampaignController } from '../../campaign/index.js';
import { createLogger } from '../../log/index.js';
import { AllocsoakMetrics } from '../../metrics/index.js';
import type { Store } from '../../storage/index.js';
import { helpText, parseOrHelp, port, type OptionSpecs } from '../args.js';
import { handleShutdownSignals } from '../shutdown.js';
import { openStoreForDaemon } from '../database.js';
import { checkListen, LISTEN_OPTIONS, serveHttp } from '../listen.js';
import { RETENTION_OPTIONS, retentionPolicy, startRetention } from '../retention.js';
import { launcherPath, loadResolvedPlan, syscallCountingOrWarn } from '../setup.js';
import { packageVersion } from '../version.js';
import { isAdaptive } from '../../domain/types.js';
import { standingsOf, VerdictReader } from '../../verdicts/index.js';

const OPTIONS = {
  plan: { type: 'string', value: 'FILE', description: 'soak plan (YAML)', required: true },
  db: { type: 'string', value: 'FILE', description: 'SQLite database file (created if missing)', required: true },
  ...LISTEN_OPTIONS,
  'allow-commands': {
    type: 'boolean',
    description: 'let plans posted over HTTP run custom commands and libraries',
  },
  ...RETENTION_OPTIONS,
} satisfies OptionSpecs;

export const DAEMON_HELP = helpText(
  'allocsoak daemon --plan FILE --db FILE [--host ADDRESS] [--port PORT] [--allow-commands] [--keep-samples-days DAYS] [--thin-samples-to DURATION]',
  'Run the plan epoch after epoch (continuously, or at its cron `schedule`) and serve the HTTP API.\n' +
    'A repeated option takes its last value. SIGTERM/SIGINT stop the workload, store the epoch as aborted and exit 0.\n' +
    'Mutating HTTP routes (POST /api/v1/campaigns, .../stop) need ALLOCSOAK_TOKEN in the environment; see docs/api.md.',
  OPTIONS,
);

export async function daemonCommand(argv: readonly string[]): Promise<number> {
  const opts = parseOrHelp('daemon', argv, OPTIONS, DAEMON_HELP);
  if (opts === undefined) return 0;
  const listenPort = port('daemon', 'port', opts.port);
  const retention = retentionPolicy('daemon', opts);
  const log = createLogger();
  const resolved = await loadResolvedPlan(opts.plan, log);
  const launcher = launcherPath();
  // Before the database is created: a daemon that cannot listen must leave nothing behind.
  await checkListen('daemon', opts.host, listenPort);
  const countSyscalls = await syscallCountingOrWarn(launcher, log);
  const db = openStoreForDaemon('daemon', opts.db, log);
  const store: Store = db.store;
  // One reader judges every verdict off the event loop, on its worker: REST, the gauge, and the standings the
  // campaign logs after each round and the adaptive schedule reads (those fresh: they follow the round just run).
  const verdicts = new VerdictReader(store);
  const controller = new CampaignController({
    store,
    launcher,
    log,
    countSyscalls,
    standings: async (id) => standingsOf((await verdicts.planComparisons(id, { fresh: true })).value().results),
  });
  // Follows the controller before its first campaign starts, so the plan's variants are exported at once.
  const metrics = new AllocsoakMetrics({
    store,
    state: () => controller.status().state,
    storage: () => controller.storage.status(),
    onListenerError: (err, event) => log.warn({ err: (err as Error).message, event }, 'metrics listener failed'),
    verdicts,
  });
  metrics.follow(controller);
  const server = await serveHttp(
    'daemon',
    {
      store,
      controller,
      metrics,
      verdicts,
      options: { version: packageVersion(), token: process.env.ALLOCSOAK_TOKEN || null, allowCommands: opts['allow-commands'] },
    },
    { host: opts.host, port: listenPort, log },
    () => db.discard(),
  );
  log.info({ url: server.url, plan: opts.plan, db: opts.db }, `allocsoak daemon serving ${server.url}`);
  const thinning = startRetention(store, retention, log);
  const tokenSet = Boolean(process.env.ALLOCSOAK_TOKEN);
  log.info(
    { mutating_routes: tokenSet ? 'enabled' : 'disabled', allow_commands: opts['allow-commands'] },
    tokenSet ? 'mutating HTTP routes need the bearer token' : 'mutating HTTP routes disabled: set ALLOCSOAK_TOKEN to enable them',
  );

  let shuttingDown = false;
  const shutdown = async (): Promise<void> => {
    shuttingDown = true;
    thinning.stop();
    await controller.stop();
    await controller.whenIdle();
    await server.close();
    await verdicts.close();
    db.close();
  };
  return await new Promise<number>((resolve) => {
    const removeHandlers = handleShutdownSignals({
      log,
      stop: shutdown,
      done: (code) => {
        removeHandlers();
        resolve(code);
      },
    });
    const started = controller.start({ resolved, source: opts.plan, epochsPerVariant: null });
    started.done.then(
      (status) => {
        // A continuous campaign ends by stop(), when every comparison of an adaptive plan has settled, or
        // when a cron schedule never fires again.
        if (shuttingDown) return;
        if (status === 'completed' && isAdaptive(resolved.plan))
          log.info({ campaign: started.id, status }, 'every comparison has settled; the daemon keeps serving its verdicts until stopped');
        else log.warn({ campaign: started.id, status }, 'campaign ended; the daemon keeps serving until stopped');
      },
      async (err: unknown) => {
        if (shuttingDown) return;
        removeHandlers();
        thinning.stop();
        log.fatal({ err: (err as Error).message }, 'the campaign loop failed; stopping');
        await server.close().catch(() => undefined);
        await verdicts.close();
        db.close();
        resolve(1);
      },
    );
  });
}
