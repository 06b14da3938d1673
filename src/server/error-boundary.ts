/**
 * @module
 * The one error boundary: every failure of every route ends here and leaves as RFC 9457
 * `application/problem+json` (https://www.rfc-editor.org/rfc/rfc9457). OpsError keeps its code;
 * framework errors are mapped to codes from contract/errors.ts; anything else is logged and
 * becomes a generic 500 that leaks nothing about the cause.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isOpsError, OpsError, type ProblemItem, toProblem } from '../contract/index.ts';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

interface ValidationEntry {
  readonly instancePath?: string;
  readonly message?: string;
  readonly keyword?: string;
  readonly params?: Record<string, unknown>;
}

function isFastifyError(err: unknown): err is FastifyError {
  return err instanceof Error && typeof (err as { code?: unknown }).code === 'string';
}

/** `/limit` → `limit`, `/match[]/0` → `match[]`; a missing property is named from params. */
function fieldOf(v: ValidationEntry): { field: string; index?: number } {
  const parts = (v.instancePath ?? '').split('/').filter((p) => p !== '');
  const missing = v.params?.missingProperty;
  if (typeof missing === 'string') parts.push(missing);
  const additional = v.params?.additionalProperty;
  if (typeof additional === 'string') parts.push(additional);
  const last = parts[parts.length - 1];
  if (parts.length >= 2 && last !== undefined && /^\d+$/.test(last)) {
    return { field: parts.slice(0, -1).join('.'), index: Number(last) };
  }
  return { field: parts.join('.') || '(root)' };
}

/** Maps any thrown value to an OpsError (the boundary's single decision point). */
export function toOpsError(err: unknown): OpsError {
  if (isOpsError(err)) return err;
  if (!isFastifyError(err)) return new OpsError('INTERNAL', 'internal error', { cause: err });
  const validation = (err as { validation?: ValidationEntry[] }).validation;
  if (Array.isArray(validation)) {
    const context = (err as { validationContext?: string }).validationContext ?? 'request';
    const items: ProblemItem[] = validation.map((v) => {
      const { field, index } = fieldOf(v);
      const reason = v.message ?? 'is invalid';
      return index === undefined ? { field, reason } : { index, field, reason };
    });
    const first = items[0];
    const detail =
      first === undefined
        ? `invalid ${context}`
        : `${context} ${first.field}${first.index === undefined ? '' : ` #${first.index}`}: ${first.reason}`;
    return new OpsError(context === 'body' ? 'BAD_REQUEST' : 'INVALID_PARAMETER', detail, {
      items,
      cause: err,
    });
  }
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new OpsError('INGEST_BODY_TOO_LARGE', err.message, { cause: err });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new OpsError('UNSUPPORTED_MEDIA_TYPE', err.message, { cause: err });
    default:
      break;
  }
  const status = err.statusCode ?? 500;
  if (status === 413) return new OpsError('INGEST_BODY_TOO_LARGE', err.message, { cause: err });
  if (status === 415) return new OpsError('UNSUPPORTED_MEDIA_TYPE', err.message, { cause: err });
  if (status === 404) return new OpsError('NOT_FOUND', err.message, { cause: err });
  if (status >= 400 && status < 500)
    return new OpsError('BAD_REQUEST', err.message, { cause: err });
  return new OpsError('INTERNAL', 'internal error', { cause: err });
}

/** Writes a problem to the reply (not sent yet: the caller returns the reply). */
export function sendProblem(
  reply: FastifyReply,
  request: FastifyRequest,
  err: OpsError,
): FastifyReply {
  const problem = toProblem(err, request.url);
  if (err.code === 'UNAUTHORIZED') reply.header('www-authenticate', 'Bearer realm="opsight"');
  return reply.code(problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
}

/**
 * What a failed request answers: the error as an OpsError, logged at the level it deserves (an
 * unexpected one at error, with its cause kept in the log and a detail that names the request).
 */
export function reportError(error: unknown, request: FastifyRequest): OpsError {
  const ops = toOpsError(error);
  if (ops.code === 'INTERNAL') {
    request.log.error({ err: error }, 'unhandled error');
    return new OpsError(
      'INTERNAL',
      `internal error; the server log has the cause (request ${request.id})`,
    );
  }
  if (ops.status >= 500) request.log.error({ err: error, code: ops.code }, 'request failed');
  else request.log.debug({ code: ops.code, detail: ops.message }, 'request rejected');
  return ops;
}

/**
 * Installs the error and not-found handlers. `notFound` may answer instead (the SPA fallback)
 * by returning true.
 */
export function installErrorBoundary(
  app: FastifyInstance,
  notFound: (request: FastifyRequest, reply: FastifyReply) => boolean,
): void {
  app.setErrorHandler((error: unknown, request, reply) =>
    sendProblem(reply, request, reportError(error, request)),
  );

  app.setNotFoundHandler((request, reply) => {
    if (notFound(request, reply)) return reply;
    const path = request.url.split('?')[0] ?? request.url;
    const allowed = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'].filter(
      (method) => method !== request.method && app.hasRoute({ method, url: path }),
    );
    if (allowed.length > 0) {
      reply.header('allow', allowed.join(', '));
      return sendProblem(
        reply,
        request,
        new OpsError(
          'METHOD_NOT_ALLOWED',
          `${request.method} is not allowed on ${path}; use ${allowed.join(' or ')}`,
        ),
      );
    }
    return sendProblem(
      reply,
      request,
      new OpsError('NOT_FOUND', `no route ${request.method} ${path}`),
    );
  });
}
