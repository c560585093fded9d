/** The PostgreSQL database tests use: what `npm run setup` creates, unless BINDERY_TEST_DATABASE_URL says otherwise. */
export const TEST_DATABASE_URL = process.env.BINDERY_TEST_DATABASE_URL ?? 'postgres://bindery:bindery@127.0.0.1:5432/bindery_test';
