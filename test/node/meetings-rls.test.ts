/**
 * Meeting idempotency keys under RLS (issue 15): a key belongs to its user within the organization.
 * A colleague cannot read it (and reusing it conflicts on the primary key: the API's 409), another
 * organization sees nothing and can reuse the same key text for itself.
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { asTenant, connect } from '../support/pg.ts';

const ORG_A = '0a000000-0000-4000-8000-0000000000aa';
const ORG_B = '0b000000-0000-4000-8000-0000000000bb';
const ALICE = 'a1000000-0000-4000-8000-0000000000aa';
const BOB = 'b0b00000-0000-4000-8000-0000000000bb';
const ZED = 'ffff0000-0000-4000-8000-0000000000ff';

let owner: pg.Client;
let app: pg.Client;
const activities: Record<string, string> = {};
const key = `k-${crypto.randomUUID()}`;

async function activity(org: string, user: string): Promise<string> {
  const result = await owner.query(
    `insert into ce_activities (organization_id, owner_user_id, subject, starts_at, ends_at)
     values ($1, $2, 'Meeting', now() + interval '1 day', now() + interval '1 day 1 hour') returning id`,
    [org, user],
  );
  return (result.rows[0] as { id: string }).id;
}

const insertKey = (org: string, user: string, activityId: string) =>
  asTenant(app, { sub: user, org_id: org }, () =>
    app.query(
      `insert into ce_meeting_idempotency_keys (organization_id, idempotency_key, user_id, request_hash, activity_id)
       values ($1, $2, $3, 'h', $4)`,
      [org, key, user, activityId],
    ),
  );

const visibleKeys = (org: string, user: string) =>
  asTenant(
    app,
    { sub: user, org_id: org },
    async () =>
      (
        await app.query(
          'select idempotency_key from ce_meeting_idempotency_keys where idempotency_key = $1',
          [key],
        )
      ).rowCount,
  );

beforeAll(async () => {
  owner = await connect(inject('ownerDatabaseUrl'));
  app = await connect(inject('workerDatabaseUrl'));
  activities.alice = await activity(ORG_A, ALICE);
  activities.bob = await activity(ORG_A, BOB);
  activities.zed = await activity(ORG_B, ZED);
});

afterAll(async () => {
  await owner.query('delete from ce_activities where id = any($1)', [Object.values(activities)]);
  await owner.end();
  await app.end();
});

describe('ce_meeting_idempotency_keys under RLS', () => {
  it('is visible to its user only, conflicts within the organization, and is free in another one', async () => {
    await insertKey(ORG_A, ALICE, activities.alice ?? '');
    expect(await visibleKeys(ORG_A, ALICE)).toBe(1);
    expect(await visibleKeys(ORG_A, BOB)).toBe(0);
    expect(await visibleKeys(ORG_B, ZED)).toBe(0);
    // Bob reusing Alice's key: the hidden row still holds the primary key.
    await expect(insertKey(ORG_A, BOB, activities.bob ?? '')).rejects.toMatchObject({ code: '23505' });
    // Another organization may use the same text.
    await insertKey(ORG_B, ZED, activities.zed ?? '');
    expect(await visibleKeys(ORG_B, ZED)).toBe(1);
  });

  it('a key cannot be written for another user or organization', async () => {
    await expect(
      asTenant(app, { sub: BOB, org_id: ORG_A }, () =>
        app.query(
          `insert into ce_meeting_idempotency_keys (organization_id, idempotency_key, user_id, request_hash, activity_id)
           values ($1, $2, $3, 'h', $4)`,
          [ORG_B, `other-${key}`, BOB, activities.bob],
        ),
      ),
    ).rejects.toMatchObject({ code: '42501' });
  });
});
