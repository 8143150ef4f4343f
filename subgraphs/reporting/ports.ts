// What the reporting module asks of notification connectors: channels that deliver one message each. The
// alert service (services/alerts.ts) routes, renders and throttles; a channel only speaks its protocol. Channel
// names are data (`email`, `chat`, whatever the connector calls them), as marketplace channels are.

export type Severity = 'info' | 'warning' | 'critical';

export interface NotificationAttachment {
  filename: string;
  contentType: string;
  content: Buffer;
  /** Content-ID the HTML body refers to (`<img src="cid:…">`); unset for an ordinary attachment. */
  cid?: string;
}

/** One message, already rendered in the operators' language(s); each channel lays it out its own way. */
export interface Notification {
  /** The alert type (routing and template key), e.g. `sync_run_failed`. */
  type: string;
  severity: Severity;
  /** The subject line or headline. */
  title: string;
  /** Plain text body; lines separated by \n. */
  text: string;
  /** Label → value pairs shown side by side where the channel can. */
  fields?: [string, string][];
  /** A line under the message (where it came from: the hub, a run). */
  footer?: string;
  /** A whole document for channels that take one (mail: its HTML and plain-text parts); the others use title, text and fields. */
  document?: { html: string; text: string };
  /** With the document: files, and images its HTML shows by Content-ID. */
  attachments?: NotificationAttachment[];
}

export interface DeliveryReceipt {
  /** The channel's id of what it accepted (a mail's Message-ID, an SMS sid), when it gives one. */
  ids: string[];
  /** Calls made, retries included. */
  attempts: number;
}

/** A delivery that failed: `permanent` when retrying cannot help (a bad number, an archived channel, too large). */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
    readonly attempts: number,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}

export interface NotificationChannel {
  readonly name: string;
  /** Delivers or rejects with a DeliveryError after the retry policy is spent. */
  send(message: Notification): Promise<DeliveryReceipt>;
}

/** What a notification connector offers: its configured channels (a channel left unconfigured is absent). */
export interface Notifier {
  readonly channels: NotificationChannel[];
  /** Every channel name it knows, configured or not: routing may name only these. */
  readonly supported: string[];
}

/** A scheduled job as the job store has it (Agenda's fields). */
export interface JobStatus {
  name: string;
  lastRunAt?: Date | null;
  lastFinishedAt?: Date | null;
  failedAt?: Date | null;
  failReason?: string | null;
  nextRunAt?: Date | null;
  lockedAt?: Date | null;
}

/** A scheduled job with its schedule; `stored`: a worker has scheduled it in the job store. */
export interface ScheduledJobStatus extends JobStatus {
  schedule: string;
  timezone: string;
  stored: boolean;
  nextRunAt: Date | null;
}

/** The scheduler as health and /metrics show it: every scheduled job, and whether a worker takes due jobs. */
export interface SchedulerStatus {
  jobs: ScheduledJobStatus[];
  workerAlive: boolean;
  workerDetail: string;
}
