// Loaded with `node --import` into a server the bench profiles: SIGUSR2 starts V8's CPU profiler
// (the one --cpu-prof uses) on the main thread, the next SIGUSR2 stops it and writes the profile
// to $BENCH_PROFILE_FILE, then prints "profile written" on stderr. So a profile covers one
// measured round under load, not the process's start (module loading, compiling, the first sync).
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

const file = process.env.BENCH_PROFILE_FILE;
if (file) {
  const session = new Session();
  session.connect();
  let running = false;
  process.on('SIGUSR2', () => {
    if (!running) {
      running = true;
      session.post('Profiler.enable', () => session.post('Profiler.setSamplingInterval', { interval: 200 }, () => session.post('Profiler.start')));
      return;
    }
    running = false;
    session.post('Profiler.stop', (error, result) => {
      if (!error) writeFileSync(file, JSON.stringify(result.profile));
      process.stderr.write(error ? `profile failed: ${error.message}\n` : 'profile written\n');
    });
  });
}
