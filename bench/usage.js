// Peak RSS and CPU time without GNU time: loaded into every Node process of a measured command
// (NODE_OPTIONS=--require), it appends `<peak RSS in KB> <user + system CPU in µs>` to $BENCH_USAGE_FILE at exit.
'use strict';
const fs = require('node:fs');

const file = process.env.BENCH_USAGE_FILE;
if (file) {
  process.on('exit', () => {
    const u = process.resourceUsage();
    fs.appendFileSync(file, `${u.maxRSS} ${u.userCPUTime + u.systemCPUTime}\n`);
  });
}
