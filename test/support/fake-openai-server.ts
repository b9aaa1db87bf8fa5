import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the fake endpoint does with a chat-completions request. */
export type FakeOpenAiMode =
  /** Answer with `answer(request)` as an OpenAI chat completion. */
  | 'answer'
  /** Answer 200 with a body that is not JSON. */
  | 'garbage-text'
  /** Answer 200 with JSON that has no `choices`. */
  | 'garbage-json'
  /** Accept the request and never answer (until the client gives up or the server closes). */
  | 'hang';

/** One request the fake endpoint received. */
export interface RecordedRequest {
  /** Milliseconds since the epoch when the request arrived. */
  at: number;
  method: string;
  path: string;
  /** The raw Authorization header, e.g. `Bearer sk-...`. */
  authorization?: string;
  /** `model` from the body. */
  model?: string;
  /** Content of the last user message. */
  prompt?: string;
}

export interface FakeOpenAiOptions {
  /** The answer text for a prompt; by default the model knows nothing. */
  answer?: (request: { prompt: string; model: string }) => string;
  /** Delay before each answer, in ms (or per request). */
  delayMs?: number | ((request: { prompt: string; model: string }) => number);
  mode?: FakeOpenAiMode;
}

export interface FakeOpenAiServer {
  /** Base URL of the OpenAI-compatible API (`http://127.0.0.1:<port>/v1`). */
  url: string;
  port: number;
  /** Every request received, in arrival order. */
  requests: RecordedRequest[];
  /** Most chat-completion requests in flight at once. */
  maxInFlight: number;
  /** Change behaviour between (or during) tests. */
  mode: FakeOpenAiMode;
  answer: NonNullable<FakeOpenAiOptions['answer']>;
  delayMs: NonNullable<FakeOpenAiOptions['delayMs']>;
  /** Prompts of the chat-completion requests, in arrival order. */
  prompts(): string[];
  /** Stop listening and drop every open connection, hung ones included. */
  close(): Promise<void>;
}

interface ChatBody {
  model?: unknown;
  messages?: { role?: unknown; content?: unknown }[];
}

/**
 * A local OpenAI-compatible endpoint (`POST /v1/chat/completions`) with scripted answers, for
 * tests of automated steps that talk to a model. Listens on 127.0.0.1 on a free port.
 */
export async function startFakeOpenAiServer(
  opts: FakeOpenAiOptions = {},
): Promise<FakeOpenAiServer> {
  let inFlight = 0;
  const timers = new Set<NodeJS.Timeout>();

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const recorded: RecordedRequest = {
        at: Date.now(),
        method: req.method ?? '',
        path: req.url ?? '',
        authorization: req.headers.authorization,
      };
      fake.requests.push(recorded);
      if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: `no route ${req.method} ${req.url}` } }));
        return;
      }
      let body: ChatBody;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ChatBody;
      } catch {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: 'request body is not JSON' } }));
        return;
      }
      const users = (body.messages ?? []).filter((m) => m.role === 'user');
      const prompt = String(users[users.length - 1]?.content ?? '');
      const model = String(body.model ?? '');
      recorded.prompt = prompt;
      recorded.model = model;

      const mode = fake.mode;
      if (mode === 'hang') return;
      inFlight++;
      fake.maxInFlight = Math.max(fake.maxInFlight, inFlight);
      const delay =
        typeof fake.delayMs === 'function' ? fake.delayMs({ prompt, model }) : fake.delayMs;
      const timer = setTimeout(() => {
        timers.delete(timer);
        inFlight--;
        if (res.destroyed) return;
        if (mode === 'garbage-text') {
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.end('<html>upstream proxy says hello</html>');
          return;
        }
        if (mode === 'garbage-json') {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ id: 'x', object: 'chat.completion', result: 'ok' }));
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            id: `chatcmpl-${fake.requests.length}`,
            object: 'chat.completion',
            created: Math.floor(Date.now() / 1000),
            model,
            choices: [
              {
                index: 0,
                message: { role: 'assistant', content: fake.answer({ prompt, model }) },
                finish_reason: 'stop',
              },
            ],
          }),
        );
      }, delay);
      timers.add(timer);
      // A client that gives up (timeout, cancellation) frees its slot at once.
      res.on('close', () => {
        if (timers.delete(timer)) {
          clearTimeout(timer);
          inFlight--;
        }
      });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  const fake: FakeOpenAiServer = {
    url: `http://127.0.0.1:${port}/v1`,
    port,
    requests: [],
    maxInFlight: 0,
    mode: opts.mode ?? 'answer',
    answer: opts.answer ?? (() => 'I cannot help with that.'),
    delayMs: opts.delayMs ?? 0,
    prompts: () => fake.requests.flatMap((r) => (r.prompt === undefined ? [] : [r.prompt])),
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const t of timers) clearTimeout(t);
        timers.clear();
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
  return fake;
}
