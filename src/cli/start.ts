import { Command } from 'commander';

export function startCommand(): Command {
  return new Command('start')
    .description('Run the server, the dashboard and the demo')
    .action(() => {
      process.stdout.write('not yet\n');
    });
}
