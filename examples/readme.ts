import { createSessionManager, fromProcess } from 'xstate-otp';

// A path instead of nothing makes the journal durable: { journal: '.xstate-otp/journal.jsonl' }
const manager = await createSessionManager();

const session = manager.createSession({
  id: 'hello',
  autoShutdown: 'any_significant', // the session completes when its significant child does
  children: [
    {
      id: 'agent',
      logic: fromProcess(), // an external program as an actor; any XState logic works here
      input: { command: process.execPath, args: ['-e', 'console.log("hello from a child")'] },
      restart: 'transient', // restarted after a crash, not after a clean exit
      significant: true,
    },
  ],
});

manager.findSupervisor('hello'); // === session.ref: the session is one actor, its own supervisor (session_supervisor:hello)
const record = await session.done; // written to the journal before it resolves
console.log(record.outcome, record.restarts); // completed 0
await manager.stop(); // live sessions end cancelled, every process gone
