/**
 * Typed REST client for the Shotline API.
 *
 * One module on purpose: every request and response shape the server speaks
 * lives here, so a change to the API is a change to one file. The client is a
 * factory so tests can hand it a fake fetch and a fake cookie jar; the app uses
 * the default instance exported as `api`.
 */

import type { BoardSnapshot, Comment, RenderJob, Shot } from '../sync/protocol';

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

/** Error codes the server returns in the `code` field of an error body. */
export type ServerErrorCode =
  | 'EINVALID'
  | 'EUNAUTHORIZED'
  | 'EFORBIDDEN'
  | 'ENOTFOUND'
  | 'ECONFLICT'
  | 'ETOOLARGE'
  | 'ERATELIMIT'
  | 'ECSRF'
  | 'EGONE'
  | 'EINTERNAL';

/** ENETWORK is client-side only: the request never got an answer. */
export type ErrorCode = ServerErrorCode | 'ENETWORK';

/** One field-level problem reported by the server with EINVALID. */
export interface FieldError {
  field: string;
  message: string;
}

/** The JSON body of every non-2xx response. */
export interface ErrorBody {
  code: ServerErrorCode;
  message: string;
  details?: FieldError[];
}

const SERVER_CODES: readonly ServerErrorCode[] = [
  'EINVALID',
  'EUNAUTHORIZED',
  'EFORBIDDEN',
  'ENOTFOUND',
  'ECONFLICT',
  'ETOOLARGE',
  'ERATELIMIT',
  'ECSRF',
  'EGONE',
  'EINTERNAL',
];

/** Used when a response carries no usable error body (a proxy page, an empty 502). */
const FALLBACK_MESSAGES: Record<ErrorCode, string> = {
  EINVALID: 'The request was not valid.',
  EUNAUTHORIZED: 'You need to sign in.',
  EFORBIDDEN: 'You do not have permission to do that.',
  ENOTFOUND: 'Not found.',
  ECONFLICT: 'That conflicts with the current state. Reload and try again.',
  ETOOLARGE: 'That is too large.',
  ERATELIMIT: 'Too many attempts. Wait a moment and try again.',
  ECSRF: 'Your session token is stale. Reload the page and try again.',
  EGONE: 'This link no longer works.',
  EINTERNAL: 'Something went wrong on the server.',
  ENETWORK: 'Cannot reach the server. Check your connection and try again.',
};

function codeForStatus(status: number): ServerErrorCode {
  switch (status) {
    case 400:
    case 422:
      return 'EINVALID';
    case 401:
      return 'EUNAUTHORIZED';
    case 403:
      return 'EFORBIDDEN';
    case 404:
      return 'ENOTFOUND';
    case 409:
      return 'ECONFLICT';
    case 413:
      return 'ETOOLARGE';
    case 410:
      return 'EGONE';
    case 429:
      return 'ERATELIMIT';
    default:
      return 'EINTERNAL';
  }
}

/** A failed API call: HTTP status (0 when there was no answer), code, message. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: ErrorCode;
  readonly details: FieldError[];

  constructor(status: number, code: ErrorCode, message: string, details: FieldError[] = []) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
  }

  /** Field errors keyed by field name, for showing next to form inputs. */
  fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const d of this.details) {
      if (!(d.field in out)) out[d.field] = d.message;
    }
    return out;
  }
}

/**
 * Turns a non-2xx response into an ApiError. It trusts the body's code and
 * message when they have the documented shape, and otherwise derives them from
 * the status so the user never sees raw HTML or an empty message.
 */
export function parseError(status: number, body: unknown): ApiError {
  let code: ServerErrorCode = codeForStatus(status);
  let message = '';
  let details: FieldError[] = [];
  if (body && typeof body === 'object') {
    const b = body as Record<string, unknown>;
    if (typeof b.code === 'string' && (SERVER_CODES as readonly string[]).includes(b.code)) {
      code = b.code as ServerErrorCode;
    }
    if (typeof b.message === 'string') message = b.message.trim();
    if (Array.isArray(b.details)) {
      details = b.details
        .filter(
          (d): d is FieldError =>
            !!d &&
            typeof d === 'object' &&
            typeof (d as FieldError).field === 'string' &&
            typeof (d as FieldError).message === 'string',
        )
        .map((d) => ({ field: d.field, message: d.message }));
    }
  }
  return new ApiError(status, code, message || FALLBACK_MESSAGES[code], details);
}

/** A message fit to show a person for any thrown value. */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof Error && err.message) return err.message;
  return FALLBACK_MESSAGES.EINTERNAL;
}

// ---------------------------------------------------------------------------
// Shapes
// ---------------------------------------------------------------------------

/** A signed-in person. */
export interface User {
  id: string;
  email: string;
  name: string;
  createdAt: string;
}

/** What signup, signin and session return. */
export interface Session {
  user: User;
  csrfToken: string;
}

/** Roles in a workspace, most powerful first. */
export const ROLES = ['owner', 'admin', 'editor', 'commenter', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/** Permission strings the server puts on each workspace for the current user. */
export type Permission =
  | 'workspace:read'
  | 'workspace:update'
  | 'workspace:delete'
  | 'workspace:leave'
  | 'member:read'
  | 'member:invite'
  | 'member:update'
  | 'member:remove'
  /** Grant, change or remove the owner role. */
  | 'member:owners'
  | 'project:read'
  | 'project:create'
  | 'project:update'
  | 'project:delete'
  | 'board:read'
  | 'board:create'
  | 'board:update'
  | 'board:delete'
  | 'comment:create'
  /** Resolve and reopen anyone's thread (without it: only one's own). */
  | 'comment:resolve'
  /** Delete anyone's comment (without it: only one's own). */
  | 'comment:moderate'
  /** Upload, attach and detach reference files. */
  | 'asset:upload'
  /** Queue and cancel renders (spends credits). */
  | 'render:create'
  | 'credit:read'
  | 'credit:topup'
  // The server may add permissions before the client knows them.
  | (string & {});

/** A workspace as seen by the current user, with that user's role and permissions. */
export interface Workspace {
  id: string;
  name: string;
  role: Role;
  permissions: Permission[];
  createdAt: string;
}

/** A person with a role in a workspace. */
export interface Member {
  userId: string;
  email: string;
  name: string;
  role: Role;
  addedAt: string;
}

/** An invitation to an email that has no account yet. */
export interface Invite {
  email: string;
  role: Role;
  invitedAt: string;
}

export interface MemberList {
  members: Member[];
  invites: Invite[];
}

/** Result of inviting an email: a membership if the account exists, an invite otherwise. */
export interface InviteResult {
  member?: Member;
  invite?: Invite;
}

export interface Project {
  id: string;
  workspaceId: string;
  name: string;
  archived: boolean;
  createdAt: string;
  updatedAt: string;
}

export const ASPECT_RATIOS = ['16:9', '9:16', '1:1', '4:3', '2.39:1'] as const;
export type AspectRatio = (typeof ASPECT_RATIOS)[number];

/** Bounds of a board's default shot duration, in seconds. */
export const SHOT_DURATION_MIN = 0.5;
export const SHOT_DURATION_MAX = 60;

export interface Board {
  id: string;
  workspaceId: string;
  projectId: string;
  title: string;
  description: string;
  aspectRatio: AspectRatio;
  defaultShotDuration: number;
  /** Renders the shots that name no provider (single boards); empty: the server's default. */
  defaultProvider?: string;
  archived: boolean;
  seq: number;
  /** Omitted or null in board lists, and null for a board without shots. */
  /** The protocol's shots (the REST board and the socket's snapshot have one shape). */
  shots?: Shot[] | null;
  /** How many shots the board has (board lists too). */
  shotCount?: number;
  /** The board's first shots, in order (up to four), for its frames in lists. */
  frameShotIds?: string[] | null;
  /** The board's comments (single boards only), by createdSeq then id. */
  comments?: Comment[];
  createdAt: string;
  updatedAt: string;
}

/** A reference image or clip, with short-lived URLs. */
export interface Asset {
  id: string;
  boardId: string;
  shotId?: string;
  kind: 'image' | 'clip';
  contentType: string;
  size: number;
  name: string;
  createdBy: string;
  createdAt: string;
  url: string;
  thumbUrl?: string;
  urlsExpire: string;
}

/** A board's assets: by shot id, first attached first; and the frame chosen for each shot that has one (an asset id). */
export interface BoardAssets {
  shots: Record<string, Asset[]>;
  frames: Record<string, string>;
}

/** An upload begun: send `parts` parts of `partSize` bytes (the last may be shorter). */
export interface UploadStart {
  id: string;
  partSize: number;
  parts: number;
}

/** A render job with, once it succeeded, a short-lived URL of its video. */
export interface Render extends RenderJob {
  url?: string;
}

/** What an export makes (backend/shotline/export.go). */
export type ExportFormat = 'mp4' | 'pdf' | 'csv' | 'otio' | 'fcpxml' | 'bundle';

/** Options of an export; each format reads its own, the server fills defaults. */
export interface ExportOptions {
  resolution?: '360p' | '720p' | '1080p';
  fps?: 24 | 25 | 30;
  burnIn?: boolean;
  perRow?: 1 | 2 | 3 | 4;
  orientation?: 'portrait' | 'landscape';
  paper?: 'A4' | 'Letter';
}

/** An export job of a board or project, with its download URL once made. */
export interface ExportJob {
  id: string;
  format: ExportFormat;
  boardId?: string;
  projectId?: string;
  options: ExportOptions;
  state: 'queued' | 'running' | 'succeeded' | 'failed' | 'canceled';
  /** 0..1 */
  progress: number;
  error?: string;
  size?: number;
  fileName: string;
  createdBy: string;
  createdAt: string;
  finishedAt?: string;
  /** When the file is deleted (the workspace's retention). */
  expiresAt?: string;
  /** Presigned, valid for 30 minutes. */
  url?: string;
}

/** What an import made. */
export interface ImportReport {
  projectId: string;
  projectName: string;
  boards: { id: string; title: string; shots: number; comments: number; assets: number; renders: number }[];
  files: number;
  bytes: number;
}

/**
 * How far a running import is, as the server stores it: receiving (the
 * uploaded bundle's bytes copied out of the object store), checking (its
 * directory and manifest), storing (bytes unpacked and files stored of the
 * bundle's total).
 */
export interface ImportProgress {
  id: string;
  phase: 'receiving' | 'checking' | 'storing';
  done: number;
  total: number;
  files: number;
  filesTotal: number;
  updatedAt: string;
}

export interface RenderChanged {
  jobs: Render[];
  refused: { shotId: string; code: ServerErrorCode; message: string }[];
}

export interface LedgerEntry {
  key: string;
  workspaceId: string;
  amount: number;
  reason: string;
  jobId?: string;
  by?: string;
  at: string;
}

export interface Credits {
  balance: number;
  ledger: LedgerEntry[];
}

export interface RenderSettings {
  /** Renders and exports are deleted this many days after they finish. */
  retentionDays: number;
  /** How many of the workspace's renders and exports run at once. */
  concurrency: number;
}

/** The bounds the server enforces on RenderSettings (backend/shotline/credit.go). */
export const RENDER_SETTINGS_BOUNDS = {
  retentionDays: { min: 1, max: 3650 },
  concurrency: { min: 1, max: 16 },
} as const;

/** A named version of a board: its state at seq, kept for restoring. */
export interface BoardVersion {
  id: string;
  boardId: string;
  name: string;
  seq: number;
  createdBy: string;
  createdAt: string;
}

/** One version read on its own: with the board as it was. */
export interface BoardVersionWithBoard extends BoardVersion {
  board: BoardSnapshot;
}

/** The role a share link carries. */
export const LINK_ROLES = ['viewer', 'commenter', 'editor'] as const;
export type LinkRole = (typeof LINK_ROLES)[number];

/** A share link as its board's editors see it (never its token). */
export interface ShareLink {
  id: string;
  projectId: string;
  boardId?: string;
  role: LinkRole;
  label: string;
  hasPassword: boolean;
  expiresAt?: string;
  allowDownloads: boolean;
  createdBy: string;
  createdAt: string;
  revokedAt?: string;
  lastOpenedAt?: string;
  openCount: number;
}

export interface ShareLinkInput {
  role: LinkRole;
  label?: string;
  expiresAt?: string;
  password?: string;
  allowDownloads?: boolean;
}

export interface ShareLinkPatch {
  role?: LinkRole;
  label?: string;
  expiresAt?: string;
  noExpiry?: boolean;
  password?: string;
  allowDownloads?: boolean;
}

/** A made link: the token is shown once. */
export interface CreatedShareLink {
  link: ShareLink;
  token: string;
  path: string;
}

/** The link this browser opened, as it is now. */
export interface GuestView {
  name: string;
  /** True without an account: comments are marked guest. */
  guest: boolean;
  actor: string;
  role: LinkRole;
  projectId: string;
  boardId?: string;
  label: string;
  expiresAt?: string;
  allowDownloads: boolean;
  csrfToken: string;
}

export interface ReviewSummary {
  shots: number;
  byStatus: Record<'none' | 'approved' | 'changes_requested', number>;
  openThreads: number;
}

export interface AuditEntry {
  seq: number;
  time: string;
  actorId: string;
  actorName: string;
  linkId?: string;
  action: string;
  target: string;
  detail?: string;
  ip: string;
  userAgent: string;
}

export interface AuditFilter {
  actor?: string;
  action?: string;
  target?: string;
  since?: string;
  until?: string;
  cursor?: number;
  limit?: number;
}

export interface InboxEntry {
  id: string;
  kind: 'mention' | 'reply';
  boardId: string;
  shotId: string;
  threadId: string;
  commentId: string;
  fromId: string;
  fromName: string;
  excerpt: string;
  at: string;
  read: boolean;
}

export interface SignupInput {
  email: string;
  password: string;
  name: string;
}

export interface SigninInput {
  email: string;
  password: string;
}

export interface ProfilePatch {
  name?: string;
  email?: string;
}

export interface PasswordChange {
  currentPassword: string;
  newPassword: string;
}

export interface ProjectPatch {
  name?: string;
  archived?: boolean;
}

export interface BoardInput {
  title: string;
  description?: string;
  aspectRatio?: AspectRatio;
  defaultShotDuration?: number;
}

export interface BoardPatch {
  title?: string;
  description?: string;
  aspectRatio?: AspectRatio;
  defaultShotDuration?: number;
  /** A name from renders.providers, or '' for the server's default. */
  defaultProvider?: string;
  archived?: boolean;
}

/** The render providers this server has, and the one used when none is named. */
export interface RenderProviders {
  providers: string[];
  default: string;
}

// ---------------------------------------------------------------------------
// Client
// ---------------------------------------------------------------------------

/** Name of the non-HttpOnly cookie that holds the CSRF token. */
export const CSRF_COOKIE = 'shotline_csrf';
/** Header every write (except signup and signin) must carry. */
export const CSRF_HEADER = 'X-CSRF-Token';

/** Reads one cookie from a `document.cookie`-style string. */
export function readCookie(cookieString: string, name: string): string | null {
  for (const part of cookieString.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    const raw = part.slice(eq + 1).trim();
    try {
      return decodeURIComponent(raw);
    } catch {
      return raw;
    }
  }
  return null;
}

export interface ApiClientOptions {
  /** Prefix of every path; defaults to `/api`. */
  baseUrl?: string;
  /** Defaults to the global fetch. */
  fetch?: typeof fetch;
  /** Returns the cookie string; defaults to `document.cookie`. */
  cookies?: () => string;
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

interface RequestOptions {
  /** Signup and signin are the only writes sent without the CSRF header. */
  skipCsrf?: boolean;
}

/** Builds a client. See the module comment. */
export function createApiClient(options: ApiClientOptions = {}) {
  const baseUrl = options.baseUrl ?? '/api';
  const fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const cookies =
    options.cookies ?? (() => (typeof document === 'undefined' ? '' : document.cookie));
  // The token from the last auth response, used only when the cookie is absent.
  // The cookie is read before each write so a token rotated by another tab or
  // kept across a reload is the one we send.
  let lastToken: string | null = null;

  function csrfToken(): string | null {
    return readCookie(cookies(), CSRF_COOKIE) ?? lastToken;
  }

  async function request<T>(
    method: Method,
    path: string,
    body?: unknown,
    opts: RequestOptions = {},
  ): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (method !== 'GET' && !opts.skipCsrf) {
      const token = csrfToken();
      if (token) headers[CSRF_HEADER] = token;
    }
    let res: Response;
    try {
      res = await fetchImpl(baseUrl + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: 'same-origin',
      });
    } catch {
      throw new ApiError(0, 'ENETWORK', FALLBACK_MESSAGES.ENETWORK);
    }
    const text = res.status === 204 ? '' : await res.text().catch(() => '');
    let data: unknown = undefined;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        data = undefined;
      }
    }
    if (!res.ok) throw parseError(res.status, data);
    return data as T;
  }

  function remember(session: Session): Session {
    lastToken = session.csrfToken;
    return session;
  }

  const enc = encodeURIComponent;

  return {
    /** The CSRF token the next write would carry (exposed for diagnostics and tests). */
    csrfToken,

    auth: {
      /** 409 ECONFLICT for a taken email; EINVALID for a weak password. */
      signup: (input: SignupInput) =>
        request<Session>('POST', '/auth/signup', input, { skipCsrf: true }).then(remember),
      /** 401 EUNAUTHORIZED for wrong credentials; 429 ERATELIMIT when throttled. */
      signin: (input: SigninInput) =>
        request<Session>('POST', '/auth/signin', input, { skipCsrf: true }).then(remember),
      signout: () =>
        request<void>('POST', '/auth/signout').then(() => {
          lastToken = null;
        }),
      /** Ends every session of the user, this one included. */
      signoutAll: () =>
        request<void>('POST', '/auth/signout-all').then(() => {
          lastToken = null;
        }),
      /** 401 EUNAUTHORIZED when nobody is signed in. */
      session: () => request<Session>('GET', '/auth/session').then(remember),
    },

    me: {
      update: (patch: ProfilePatch) => request<User>('PATCH', '/me', patch),
      changePassword: (input: PasswordChange) => request<void>('PUT', '/me/password', input),
    },

    workspaces: {
      list: () =>
        request<{ workspaces: Workspace[] }>('GET', '/workspaces').then((r) => r.workspaces ?? []),
      create: (name: string) => request<Workspace>('POST', '/workspaces', { name }),
      get: (id: string) => request<Workspace>('GET', `/workspaces/${enc(id)}`),
      rename: (id: string, name: string) =>
        request<Workspace>('PATCH', `/workspaces/${enc(id)}`, { name }),
      delete: (id: string) => request<void>('DELETE', `/workspaces/${enc(id)}`),
      /** 409 ECONFLICT when the caller is the last owner. */
      leave: (id: string) => request<void>('POST', `/workspaces/${enc(id)}/leave`),
    },

    members: {
      list: (workspaceId: string) =>
        request<MemberList>('GET', `/workspaces/${enc(workspaceId)}/members`).then((r) => ({
          members: r.members ?? [],
          invites: r.invites ?? [],
        })),
      /** Returns a member when the email has an account, an invite otherwise. */
      invite: (workspaceId: string, email: string, role: Role) =>
        request<InviteResult>('POST', `/workspaces/${enc(workspaceId)}/members`, { email, role }),
      /** 409 ECONFLICT when demoting the last owner. */
      setRole: (workspaceId: string, userId: string, role: Role) =>
        request<Member>('PATCH', `/workspaces/${enc(workspaceId)}/members/${enc(userId)}`, {
          role,
        }),
      /** 409 ECONFLICT when removing the last owner. */
      remove: (workspaceId: string, userId: string) =>
        request<void>('DELETE', `/workspaces/${enc(workspaceId)}/members/${enc(userId)}`),
      cancelInvite: (workspaceId: string, email: string) =>
        request<void>('DELETE', `/workspaces/${enc(workspaceId)}/invites/${enc(email)}`),
    },

    projects: {
      list: (workspaceId: string, opts: { archived?: boolean } = {}) =>
        request<{ projects: Project[] }>(
          'GET',
          `/workspaces/${enc(workspaceId)}/projects${opts.archived ? '?archived=true' : ''}`,
        ).then((r) => r.projects ?? []),
      create: (workspaceId: string, name: string) =>
        request<Project>('POST', `/workspaces/${enc(workspaceId)}/projects`, { name }),
      get: (id: string) => request<Project>('GET', `/projects/${enc(id)}`),
      update: (id: string, patch: ProjectPatch) =>
        request<Project>('PATCH', `/projects/${enc(id)}`, patch),
      delete: (id: string) => request<void>('DELETE', `/projects/${enc(id)}`),
    },

    boards: {
      list: (projectId: string) =>
        request<{ boards: Board[] }>('GET', `/projects/${enc(projectId)}/boards`).then(
          (r) => r.boards ?? [],
        ),
      create: (projectId: string, input: BoardInput) =>
        request<Board>('POST', `/projects/${enc(projectId)}/boards`, input),
      get: (id: string) => request<Board>('GET', `/boards/${enc(id)}`),
      update: (id: string, patch: BoardPatch) =>
        request<Board>('PATCH', `/boards/${enc(id)}`, patch),
      delete: (id: string) => request<void>('DELETE', `/boards/${enc(id)}`),
    },

    assets: {
      /** Checks name and size, reserves the bytes; ETOOLARGE over a limit or the quota. */
      begin: (boardId: string, input: { name: string; size: number; shotId?: string }) =>
        request<UploadStart>('POST', `/boards/${enc(boardId)}/uploads`, input),
      /** Assembles the parts; EINVALID if the file cannot be decoded. */
      complete: (boardId: string, uploadId: string) =>
        request<Asset>('POST', `/boards/${enc(boardId)}/uploads/${enc(uploadId)}/complete`),
      abort: (boardId: string, uploadId: string) =>
        request<void>('DELETE', `/boards/${enc(boardId)}/uploads/${enc(uploadId)}`),
      /** Assets by shot id ("-" is the board itself), and each shot's chosen frame. */
      list: (boardId: string): Promise<BoardAssets> =>
        request<{ shots?: Record<string, Asset[] | null>; frames?: Record<string, string> | null }>('GET', `/boards/${enc(boardId)}/assets`).then((r) => ({
          shots: Object.fromEntries(Object.entries(r.shots ?? {}).map(([k, v]) => [k, v ?? []])),
          frames: r.frames ?? {},
        })),
      /** Makes one of a shot's assets its frame; ENOTFOUND if not attached to it, EINVALID without a picture. */
      setFrame: (boardId: string, shotId: string, assetId: string) =>
        request<void>('PUT', `/boards/${enc(boardId)}/shots/${enc(shotId)}/frame`, { assetId }),
      /** Forgets a shot's chosen frame (its render or first reference stands for it again). */
      clearFrame: (boardId: string, shotId: string) => request<void>('DELETE', `/boards/${enc(boardId)}/shots/${enc(shotId)}/frame`),
      download: (boardId: string, assetId: string) =>
        request<{ url: string; expires: string }>('GET', `/boards/${enc(boardId)}/assets/${enc(assetId)}/download`),
      detach: (boardId: string, shotId: string, assetId: string) =>
        request<void>('DELETE', `/boards/${enc(boardId)}/shots/${enc(shotId)}/assets/${enc(assetId)}`),
    },

    renders: {
      /** EINVALID naming the policy rule; ECONFLICT without enough credits. */
      renderShot: (boardId: string, shotId: string) =>
        request<Render>('POST', `/boards/${enc(boardId)}/shots/${enc(shotId)}/renders`, {}),
      renderChanged: (boardId: string) => request<RenderChanged>('POST', `/boards/${enc(boardId)}/renders/changed`),
      /** By shot id, newest first. */
      list: (boardId: string) =>
        request<{ shots: Record<string, Render[] | null> }>('GET', `/boards/${enc(boardId)}/renders`).then((r) => r.shots ?? {}),
      cancel: (boardId: string, jobId: string) =>
        request<Render>('POST', `/boards/${enc(boardId)}/renders/${enc(jobId)}/cancel`),
      /** The render providers a board or shot can name. */
      providers: (workspaceId: string) =>
        request<RenderProviders>('GET', `/workspaces/${enc(workspaceId)}/render-providers`),
    },

    exports: {
      /** Same key, format and options: the first export, not another. 403 for a link without downloads. */
      exportBoard: (boardId: string, format: ExportFormat, options: ExportOptions, key: string) =>
        request<ExportJob>('POST', `/boards/${enc(boardId)}/exports`, { format, options, key }),
      /** Newest first. */
      listBoard: (boardId: string) =>
        request<{ exports: ExportJob[] | null }>('GET', `/boards/${enc(boardId)}/exports`).then((r) => r.exports ?? []),
      /** A project exports as a bundle only. */
      exportProject: (projectId: string, options: ExportOptions, key: string) =>
        request<ExportJob>('POST', `/projects/${enc(projectId)}/exports`, { format: 'bundle', options, key }),
      listProject: (projectId: string) =>
        request<{ exports: ExportJob[] | null }>('GET', `/projects/${enc(projectId)}/exports`).then((r) => r.exports ?? []),
      /** Starts the upload of a bundle of size bytes; ETOOLARGE over the server's import limit or the quota. */
      beginImport: (workspaceId: string, size: number) =>
        request<UploadStart>('POST', `/workspaces/${enc(workspaceId)}/imports`, { size }),
      /** Imports the uploaded bundle; EINVALID (with the reason) if anything in it is wrong, and nothing is imported. */
      completeImport: (workspaceId: string, importId: string) =>
        request<ImportReport>('POST', `/workspaces/${enc(workspaceId)}/imports/${enc(importId)}/complete`),
      abortImport: (workspaceId: string, importId: string) =>
        request<void>('DELETE', `/workspaces/${enc(workspaceId)}/imports/${enc(importId)}`),
      /** A running import of the caller's (completed, not answered yet); 404 before it is completed and once it has answered. */
      importProgress: (workspaceId: string, importId: string) =>
        request<ImportProgress>('GET', `/workspaces/${enc(workspaceId)}/imports/${enc(importId)}`),
    },

    credits: {
      get: (workspaceId: string) => request<Credits>('GET', `/workspaces/${enc(workspaceId)}/credits`),
      topUp: (workspaceId: string, amount: number, key: string, note?: string) =>
        request<Credits>('POST', `/workspaces/${enc(workspaceId)}/credits`, { amount, key, note }),
      settings: (workspaceId: string) => request<RenderSettings>('GET', `/workspaces/${enc(workspaceId)}/render-settings`),
      /** Changes the fields given; EINVALID names each field out of bounds (RENDER_SETTINGS_BOUNDS). */
      setSettings: (workspaceId: string, settings: Partial<RenderSettings>) =>
        request<RenderSettings>('PUT', `/workspaces/${enc(workspaceId)}/render-settings`, settings),
    },

    links: {
      /** Live links of a board, newest first. */
      listForBoard: (boardId: string) =>
        request<{ links: ShareLink[] | null }>('GET', `/boards/${enc(boardId)}/links`).then((r) => r.links ?? []),
      createForBoard: (boardId: string, input: ShareLinkInput) =>
        request<CreatedShareLink>('POST', `/boards/${enc(boardId)}/links`, input),
      /** Live links to every board of a project, newest first. */
      listForProject: (projectId: string) =>
        request<{ links: ShareLink[] | null }>('GET', `/projects/${enc(projectId)}/links`).then((r) => r.links ?? []),
      createForProject: (projectId: string, input: ShareLinkInput) =>
        request<CreatedShareLink>('POST', `/projects/${enc(projectId)}/links`, input),
      update: (id: string, patch: ShareLinkPatch) => request<ShareLink>('PATCH', `/links/${enc(id)}`, patch),
      revoke: (id: string) => request<void>('DELETE', `/links/${enc(id)}`),
    },

    share: {
      /** 401 with field password (missing or wrong), 410 EGONE (revoked, expired), 429 when throttled. */
      open: (token: string, input: { password?: string; name?: string }) =>
        request<GuestView>('POST', '/share/open', { token, ...input }, { skipCsrf: true }).then((g) => {
          lastToken = g.csrfToken;
          return g;
        }),
      guest: () =>
        request<GuestView>('GET', '/share/guest').then((g) => {
          lastToken = lastToken ?? g.csrfToken;
          return g;
        }),
    },

    review: {
      summary: (boardId: string) => request<ReviewSummary>('GET', `/boards/${enc(boardId)}/review`),
    },


    inbox: {
      get: () =>
        request<{ entries: InboxEntry[] | null; unread: number }>('GET', '/inbox').then((r) => ({
          entries: r.entries ?? [],
          unread: r.unread,
        })),
      read: (input: { ids?: string[]; all?: boolean }) => request<void>('POST', '/inbox/read', input),
    },

    audit: {
      list: (workspaceId: string, f: AuditFilter = {}) =>
        request<{ entries: AuditEntry[] | null; nextCursor?: number }>(
          'GET',
          `/workspaces/${enc(workspaceId)}/audit${auditQuery(f)}`,
        ).then((r) => ({ entries: r.entries ?? [], nextCursor: r.nextCursor })),
      csvUrl: (workspaceId: string, f: AuditFilter = {}) => `${baseUrl}/workspaces/${enc(workspaceId)}/audit.csv${auditQuery(f)}`,
    },

    versions: {
      /** Newest first. */
      list: (boardId: string) =>
        request<{ versions: BoardVersion[] | null }>('GET', `/boards/${enc(boardId)}/versions`).then(
          (r) => r.versions ?? [],
        ),
      /** Names the board's current state. */
      create: (boardId: string, name: string) =>
        request<BoardVersion>('POST', `/boards/${enc(boardId)}/versions`, { name }),
      /** One version, with the board as it was when it was saved. */
      get: (boardId: string, versionId: string) =>
        request<BoardVersionWithBoard>('GET', `/boards/${enc(boardId)}/versions/${enc(versionId)}`),
      /** Restores a version; it reaches everyone on the board as an op at seq. */
      restore: (boardId: string, versionId: string) =>
        request<{ seq: number }>(
          'POST',
          `/boards/${enc(boardId)}/versions/${enc(versionId)}/restore`,
        ),
    },
  };
}

function auditQuery(f: AuditFilter): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(f)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** The client's type, for injecting fakes in tests. */
export type ApiClient = ReturnType<typeof createApiClient>;

/** The app's client: same-origin `/api`, session cookie sent automatically. */
export const api: ApiClient = createApiClient();
