/**
 * The OpenAPIHono factory every route module uses, so request validation and the OpenAPI document
 * come from the same zod schemas, and every validation failure becomes the SPEC §4 400 envelope
 * naming the field.
 */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from './env.ts';
import { validationFailed } from './errors.ts';
import { fieldProblems } from './routes/field-problems.ts';

export function createRouter(): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw validationFailed(fieldProblems(result.error, result.target));
    },
  });
}

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .openapi('Error');

export const errorResponses = (...statuses: Array<400 | 401 | 403 | 404 | 409 | 413 | 422 | 502 | 503>) =>
  Object.fromEntries(
    statuses.map((status) => [
      status,
      { description: 'Error', content: { 'application/json': { schema: ErrorBody } } },
    ]),
  );

export const bearerSecurity = [{ bearerAuth: [] }];
