import { randomBytes } from 'node:crypto';
import postgres from 'postgres';

export interface TestDatabase {
  name: string;
  /** URL of this file's own database on the test server. */
  url: string;
  sql: postgres.Sql;
  drop(): Promise<void>;
}

export function adminUrl(): string {
  const url = process.env.MIGRATE_TEST_ADMIN_URL;
  if (!url) throw new Error('MIGRATE_TEST_ADMIN_URL is not set: run the tests through jest (global setup)');
  return url;
}

export function urlFor(database: string): string {
  const u = new URL(adminUrl());
  u.pathname = `/${database}`;
  return u.toString();
}

/** A fresh, empty database for one test file; tests never share state through the server. */
export async function freshDatabase(label = 'db'): Promise<TestDatabase> {
  const name = `t_${label.replace(/\W+/g, '_').slice(0, 30)}_${randomBytes(4).toString('hex')}`;
  const admin = postgres(adminUrl(), { max: 1, onnotice: () => undefined });
  try {
    await admin.unsafe(`create database "${name}"`);
  } finally {
    await admin.end();
  }
  const url = urlFor(name);
  const sql = postgres(url, { max: 2, onnotice: () => undefined });
  return {
    name,
    url,
    sql,
    async drop() {
      await sql.end({ timeout: 5 });
      const a = postgres(adminUrl(), { max: 1, onnotice: () => undefined });
      try {
        await a.unsafe(`drop database if exists "${name}" with (force)`);
      } finally {
        await a.end();
      }
    },
  };
}

export interface OwnedDatabase {
  /** The database, and the admin's connection to it (db.url is the admin's URL). */
  db: TestDatabase;
  /** A login role that owns the database and is nothing more: no superuser, no CREATEROLE. */
  owner: string;
  /** The owner's URL of the database (with a password, for servers that check them). */
  ownerUrl: string;
  drop(): Promise<void>;
}

/** A fresh database owned by a fresh non-superuser login role, as many production databases are. */
export async function ownedDatabase(label: string): Promise<OwnedDatabase> {
  const owner = `t_owner_${randomBytes(4).toString('hex')}`;
  const password = randomBytes(9).toString('base64url');
  const admin = postgres(adminUrl(), { max: 1, onnotice: () => undefined });
  try {
    await admin.unsafe(`create role "${owner}" login password '${password}'`);
  } finally {
    await admin.end();
  }
  const db = await freshDatabase(label);
  await db.sql.unsafe(`alter database "${db.name}" owner to "${owner}"`);
  const u = new URL(db.url);
  u.username = owner;
  u.password = password;
  return {
    db,
    owner,
    ownerUrl: u.toString(),
    async drop() {
      await db.drop();
      const a = postgres(adminUrl(), { max: 1, onnotice: () => undefined });
      try {
        await a.unsafe(`drop role if exists "${owner}"`);
      } finally {
        await a.end();
      }
    },
  };
}
