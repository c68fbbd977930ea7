/**
 * Runs one scenario in this process and hands its rows to the driver.
 *
 *   node --expose-gc bench/lib/child.mjs <scenario> [--quick]
 *
 * Each scenario gets a fresh process so that heap figures start clean and one
 * scenario's JIT state or garbage never colours another's. The process must
 * then exit on its own: one kept alive by a timer or a child process is a
 * leak, and the driver reports it.
 */
const name = process.argv[2];
const { run } = await import(`../scenarios/${name}.mjs`);
const rows = await run();
// Disconnecting closes the IPC channel, the only handle the driver gave us.
if (process.send) process.send({ rows }, () => process.disconnect());
else console.log(JSON.stringify(rows, null, 2));
