/**
 * @module
 * The `opsight` command line. Parsing and output only: every command delegates to app/ (the
 * composition root) or to a domain/adapter entry point. Each command has `--help` and exits
 * non-zero with a clear message on bad arguments.
 */
import { Command, CommanderError } from 'commander';

export async function run(argv: readonly string[]): Promise<number> {
  const program = new Command('opsight')
    .description('Open operational intelligence: ingest, store, learn normal, explain, show live.')
    .version('0.1.0')
    .exitOverride()
    .showHelpAfterError('(add --help for usage)');

  const commands = await Promise.all([
    import('./start.ts').then((m) => m.startCommand()),
    Promise.all([
      import('./simulate.ts'),
      import('./simulate-shop.ts'),
      import('./simulate-pipeline.ts'),
      import('./simulate-fleet.ts'),
    ]).then(([m, shop, pipeline, fleet]) =>
      m
        .simulateCommand()
        .addCommand(shop.shopCommand(m.defaultSimulateDeps()))
        .addCommand(pipeline.pipelineCommand(m.defaultSimulateDeps()))
        .addCommand(fleet.fleetCommand(m.defaultSimulateDeps())),
    ),
    import('./detect.ts').then((m) => m.detectCommand()),
    import('./eval.ts').then((m) => m.evalCommand()),
    import('./review.ts').then((m) => m.reviewCommand()),
  ]);
  for (const c of commands) program.addCommand(c);

  try {
    await program.parseAsync(argv as string[]);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end with exit code 0; usage errors were already printed.
      return err.exitCode;
    }
    process.stderr.write(`opsight: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
