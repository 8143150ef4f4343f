// A Teams Workflows webhook on loopback: it takes a POST on the flow's trigger URL with the right `sig`, checks the
// envelope (type message, Adaptive Card attachments) and the 28 KB limit, answers 202 Accepted with an empty body,
// and records each card. Standalone (tests) or mounted on the sandbox's notify server. `faults` fails on demand.
import { FaultPlan, waitForCount } from '../../sandbox/faults.js';
import { SimulatorServer, type SimRequest, type SimResponse } from '../../sandbox/server.js';
import { ADAPTIVE_CARD_TYPE, TEAMS_MAX_BYTES, type TeamsMessage } from './client.js';

/** Shaped like a Workflows trigger URL; `sig` is the credential. */
export const TEAMS_WORKFLOW_PATH = '/workflows/0tsunagisandboxflow/triggers/manual/paths/invoke';
export const TEAMS_WORKFLOW_QUERY = 'api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=sandboxworkflowsignature0000';

// The error bodies are our own choice: Microsoft does not document the Workflows trigger's (UNCONFIRMED).
const error = (status: number, code: string, message: string): SimResponse => ({ status, body: { error: { code, message } } });

export class TeamsWorkflowSimulator {
  readonly faults = new FaultPlan();
  /** Every message accepted, oldest first. */
  readonly messages: TeamsMessage[] = [];
  private server: SimulatorServer | undefined;

  constructor(private readonly onAccepted?: (m: TeamsMessage) => void) {}

  async listen(): Promise<string> {
    this.server = new SimulatorServer('teams-workflow', (req) => this.handle(req) ?? error(404, 'NotFound', 'no such workflow'));
    return `${await this.server.listen()}${TEAMS_WORKFLOW_PATH}?${TEAMS_WORKFLOW_QUERY}`;
  }

  async close(): Promise<void> {
    await this.server?.close();
  }

  waitFor(count: number, timeoutMs?: number): Promise<TeamsMessage[]> {
    return waitForCount(this.messages, count, 'teams simulator messages', timeoutMs);
  }

  handle(req: SimRequest): SimResponse | undefined {
    if (!req.path.startsWith('/workflows/')) return undefined;
    const fault = this.faults.match(req);
    if (fault) return fault;
    if (req.path !== TEAMS_WORKFLOW_PATH) return error(404, 'WorkflowNotFound', 'the workflow does not exist');
    if (req.query.get('sig') !== new URLSearchParams(TEAMS_WORKFLOW_QUERY).get('sig')) return error(401, 'DirectApiAuthorizationRequired', 'the sig does not match');
    if (req.method !== 'POST') return error(405, 'MethodNotAllowed', 'POST only');
    if (Buffer.byteLength(req.body) > TEAMS_MAX_BYTES) return error(413, 'MessageTooLarge', `the body exceeds ${TEAMS_MAX_BYTES} bytes`);
    if (!(req.headers['content-type'] ?? '').startsWith('application/json')) return error(415, 'UnsupportedMediaType', 'application/json only');
    let message: TeamsMessage;
    try {
      message = JSON.parse(req.body) as TeamsMessage;
    } catch {
      return error(400, 'InvalidRequestContent', 'the body is not JSON');
    }
    const problem = envelopeProblem(message);
    if (problem) return error(400, 'InvalidRequestContent', problem);
    this.messages.push(message);
    this.onAccepted?.(message);
    return { status: 202 };
  }
}

/** What is wrong with a message envelope, or undefined: Workflows posts Adaptive Cards inside `type: message`. */
function envelopeProblem(m: unknown): string | undefined {
  const msg = m as Partial<TeamsMessage> | null;
  if (typeof msg !== 'object' || msg === null) return 'the body is not an object';
  if (msg.type !== 'message') return 'type must be "message"';
  if (!Array.isArray(msg.attachments) || msg.attachments.length === 0) return 'attachments must be a non-empty array';
  for (const a of msg.attachments) {
    if (a?.contentType !== ADAPTIVE_CARD_TYPE) return `attachments[].contentType must be ${ADAPTIVE_CARD_TYPE}`;
    const card = a.content as Partial<TeamsMessage['attachments'][number]['content']> | undefined;
    if (card?.type !== 'AdaptiveCard') return 'attachments[].content.type must be AdaptiveCard';
    if (typeof card.version !== 'string') return 'attachments[].content.version is required';
    if (!Array.isArray(card.body) || card.body.some((e) => typeof (e as { type?: unknown })?.type !== 'string')) return 'attachments[].content.body must be a list of elements with a type';
  }
  return undefined;
}
